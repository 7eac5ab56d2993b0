-- Full-text search over the pre-normalized, stemmed text (khabar.search.index_fields): title
-- stems weighted A, body stems B, and the match key (folded words) for exact phrases. The
-- 'simple' configuration only lowercases: normalization and stemming were done by khabar, the
-- same way for queries. Written in the same transaction as the article.
CREATE TABLE search_index (
    article_id TEXT PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    document   TSVECTOR NOT NULL,
    exact      TSVECTOR NOT NULL
);
CREATE INDEX search_index_document ON search_index USING GIN (document);
CREATE INDEX search_index_exact ON search_index USING GIN (exact);
