-- As in sqlite/0015: the stamp of the tagger that made the stored tags ('' before stamps were recorded).
CREATE TABLE tagger_meta (stamp TEXT NOT NULL);
INSERT INTO tagger_meta (stamp) VALUES ('');
