-- Full-text search over pre-normalized text (khabar.search): stems of the title and body for
-- ranked matching, and the match key (folded words, unstemmed) for exact phrases. The rowid is
-- the article's rowid. Written in the same transaction as the article.
CREATE VIRTUAL TABLE search_index USING fts5(title, body, exact, tokenize = 'unicode61 remove_diacritics 0');
