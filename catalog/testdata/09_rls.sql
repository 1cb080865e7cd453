-- Row-level security: ENABLE / FORCE, policies.
CREATE TABLE s1.secure (owner name, data text);
ALTER TABLE s1.secure ENABLE ROW LEVEL SECURITY;
ALTER TABLE s1.secure FORCE ROW LEVEL SECURITY;
CREATE POLICY own ON s1.secure USING (owner = current_user);
CREATE POLICY ins ON s1.secure AS RESTRICTIVE FOR INSERT TO PUBLIC WITH CHECK (data <> '');
CREATE POLICY "Sel Pol" ON s1.secure FOR SELECT TO catalog_r1, "Catalog R2" USING (true);
COMMENT ON POLICY own ON s1.secure IS 'own rows';
