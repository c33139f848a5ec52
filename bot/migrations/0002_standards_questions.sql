-- Questions asked with /ask and the feedback on their answers, for the gaps report.
-- No user ids are stored with either.
CREATE TABLE standards_questions (
    id                INTEGER PRIMARY KEY,
    question          TEXT NOT NULL,
    normalized        TEXT NOT NULL,
    covered           INTEGER NOT NULL,
    top_section       TEXT,
    confidence        REAL NOT NULL,
    standards_version TEXT NOT NULL,
    asked_at          TEXT NOT NULL
);
CREATE INDEX standards_questions_normalized ON standards_questions (normalized);

CREATE TABLE standards_feedback (
    id          INTEGER PRIMARY KEY,
    question_id INTEGER NOT NULL REFERENCES standards_questions (id) ON DELETE CASCADE,
    helpful     INTEGER NOT NULL,
    given_at    TEXT NOT NULL
);
CREATE INDEX standards_feedback_question ON standards_feedback (question_id);
