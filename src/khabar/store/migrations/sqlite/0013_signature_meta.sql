-- The scheme under which the near-duplicate signatures and their LSH bands were made
-- (khabar.link.duplicates.SIGNATURE_SCHEME). Signatures of two schemes cannot be compared, so a store
-- opened by code with another scheme makes them all again from the stored texts. The empty scheme here
-- makes the first open redo the signatures written before schemes were recorded.
CREATE TABLE signature_meta (scheme TEXT NOT NULL);
INSERT INTO signature_meta (scheme) VALUES ('');
