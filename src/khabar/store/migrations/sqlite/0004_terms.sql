-- Each article's heaviest stems with their weights (khabar.link.similarity.term_vector):
-- the vector itself (JSON) for reading it back, and the postings as an inverted index.
CREATE TABLE article_vectors (
    article_id TEXT PRIMARY KEY,
    vector     TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE article_terms (
    term       TEXT NOT NULL,
    article_id TEXT NOT NULL,
    weight     REAL NOT NULL,
    PRIMARY KEY (term, article_id)
) WITHOUT ROWID;
