-- As in sqlite/0013: the scheme of the stored near-duplicate signatures. A store opened by code with
-- another scheme makes them again from the stored texts; the empty scheme makes the first open do it.
CREATE TABLE signature_meta (scheme TEXT NOT NULL);
INSERT INTO signature_meta (scheme) VALUES ('');
