-- Each article's heaviest stems with their weights (khabar.link.similarity.term_vector):
-- the inverted index behind related articles.
CREATE TABLE article_terms (
    article_id TEXT NOT NULL,
    term       TEXT NOT NULL,
    weight     REAL NOT NULL,
    PRIMARY KEY (article_id, term)
) WITHOUT ROWID;
CREATE INDEX article_terms_term ON article_terms (term, article_id, weight);
