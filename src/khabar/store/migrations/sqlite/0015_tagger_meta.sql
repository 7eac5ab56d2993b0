-- The stamp of the tagger (khabar.enrich.tags.tagger_stamp) that made the stored tags. Tags made by
-- an earlier tagger are not wrong, only older, so nothing is remade on open: `khabar ingest` says so and
-- `khabar retag` remakes them. The empty stamp marks tags made before stamps were recorded.
CREATE TABLE tagger_meta (stamp TEXT NOT NULL);
INSERT INTO tagger_meta (stamp) VALUES ('');
