-- Which story each article belongs to; a story's id is the id of the article that started it.
CREATE TABLE story_members (
    article_id TEXT PRIMARY KEY,
    story_id   TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX story_members_story ON story_members (story_id);
