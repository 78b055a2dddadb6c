-- Live transcription: the final segments of a meeting's transcript, numbered per meeting.
-- Deleting a meeting deletes its transcript.
CREATE TABLE transcript_segments (
	id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	meeting_id bigint      NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
	seq        bigint      NOT NULL CHECK (seq >= 1),
	text       text        NOT NULL,
	chunks     integer     NOT NULL CHECK (chunks >= 1),
	created_at timestamptz NOT NULL
);

-- Transcript: a meeting's segments in order from a seq; AddSegment: the meeting's last seq.
-- Unique, so two segments can never share a number.
CREATE UNIQUE INDEX ix_transcript_segments_meeting_id_seq ON transcript_segments (meeting_id, seq);
