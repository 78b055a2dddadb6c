DROP TABLE tasks;
DROP TABLE meetings;
DROP TABLE api_tokens;
DROP TABLE users;
