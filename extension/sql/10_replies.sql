-- ==== Step: replies ===============================================================================
-- Replies: what a person meant by an answer to our texts.
--
-- outreach.classify_reply is the deterministic classifier (C++ core, core/replies.hpp): one of the
-- SOP's eight labels with a confidence, the name of the rule that decided it, and the data the
-- reply carries (an opt-out or opt-in, e-mail addresses, phone numbers, a preferred callback time).
-- STOP comes first and errs on its own side: consent may be revoked by any reasonable means (FCC
-- 24-24), so a reply that may be a revocation is one.

CREATE FUNCTION outreach.classify_reply(body text, has_media boolean DEFAULT false)
    RETURNS TABLE (label text, confidence real, rule text, extracted jsonb)
    AS 'MODULE_PATHNAME', 'outreach_classify_reply'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 1;
COMMENT ON FUNCTION outreach.classify_reply(text, boolean) IS
    'Classifies a reply to a text by rules (no model): label is one of STOP, EMAIL_CAPTURE, CALLBACK_REQUEST, '
    'PRICE_INQUIRY, QUESTION, POSITIVE, NEGATIVE, UNCLEAR (a reply that is several is the first of them); confidence '
    'in [0, 1] is 1 for a bare keyword and below 0.8 for a guess worth a second look; rule names the deciding rule '
    '(stop_keyword, stop_phrase:remove_me, ...). STOP covers the carrier and FCC keywords, Spanish and French ones and '
    'free-text revocations with typos and emoji; "stop by our shop" is not one. extracted holds consent (opt_out, '
    'opt_in for START/UNSTOP, help for HELP/INFO), emails (lower case, "frank dot miller at gmail dot com" read as an '
    'address), phones (E.164, US by default) and callback {weekday 1-7, day today|tomorrow, hour, minute, part '
    'morning|afternoon|evening, after}; empty parts are left out. An empty or media-only reply is UNCLEAR; a reply '
    'longer than 4 KiB is classified on its first 4 KiB.';
