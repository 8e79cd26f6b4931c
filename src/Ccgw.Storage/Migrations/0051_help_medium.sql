-- Issue 18, the customer's choice of medium. callbacks.medium: how the call-back is to be served (voice, ivr, email);
-- every row from before is a voice call-back, hence the default. interactions.medium: the same choice kept in the
-- history (null for live calls and chats, which chose no medium).
ALTER TABLE callbacks ADD COLUMN medium TEXT NOT NULL DEFAULT 'voice';
ALTER TABLE interactions ADD COLUMN medium TEXT;
