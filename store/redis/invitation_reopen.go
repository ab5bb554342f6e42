package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/tollgate-dev/tollgate/store"
)

// reopenInvitationScript gives a pending invitation a new code, expiry and
// mailed flag.
// When it has expired at now it holds no seat, so duplicates and seats are
// checked as createInvitationScript does, leaving itself out.
// KEYS ws, inv, invitations, new invcode; ARGV id, now ms, seats, new code
// hex, new exp ms, mailed ("1" or "0"). Reply {1} done, {0} missing, {-3} not pending or the code
// is taken, {-1} the email has another pending invitation or is an active
// member, {-2, used} no seat left.
var reopenInvitationScript = newScript(seatUseLua + `
if redis.call('EXISTS', KEYS[1]) == 0 then return {0} end
local cur = redis.call('HMGET', KEYS[2], 'status', 'exp', 'email', 'code')
if not cur[1] then return {0} end
if cur[1] ~= 'pending' then return {-3} end
local owner = redis.call('GET', KEYS[4])
if owner and owner ~= ARGV[1] then return {-3} end
local tag = string.sub(KEYS[1], 1, -4)
local now, seats = tonumber(ARGV[2]), tonumber(ARGV[3])
if tonumber(cur[2] or '0') <= now then
  local used = seat_use(tag, string.lower(cur[3] or ''), now, ARGV[1])
  if used < 0 then return {-1} end
  if seats > 0 and used >= seats then return {-2, used} end
end
if cur[4] and cur[4] ~= ARGV[4] then redis.call('DEL', tag .. ':invcode:' .. cur[4]) end
redis.call('SET', KEYS[4], ARGV[1])
redis.call('HSET', KEYS[2], 'code', ARGV[4], 'exp', ARGV[5], 'mailed', ARGV[6])
return {1}`)

// ReopenInvitation gives the stored pending invitation inv.ID inv's new
// CodeHash, ExpiresAt and Mailed in one script, checking seats and duplicates when it
// has expired at now; see store.Teams. On success inv holds the stored record.
func (s *Store) ReopenInvitation(ctx context.Context, inv *store.Invitation, seats int, now time.Time) error {
	if err := checkInvitation(inv); err != nil {
		return err
	}
	ws := inv.WorkspaceID
	v, err := reopenInvitationScript.run(ctx, s.c,
		[]string{wsKey(ws), invKey(ws, inv.ID), invitationsKey(ws), invCodeKey(ws, inv.CodeHash)},
		inv.ID, ms(now), strconv.Itoa(seats), inv.CodeHash.Hex(), ms(inv.ExpiresAt), mailedFlag(inv.Mailed)).Int64Slice()
	if err != nil || len(v) == 0 {
		return fmt.Errorf("redisstore: reopen invitation: %w", errors.Join(err, errReplyIf(len(v) == 0)))
	}
	switch {
	case v[0] == 1:
		got, err := s.GetInvitation(ctx, ws, inv.ID)
		if err != nil {
			return err
		}
		*inv = *got
		return nil
	case v[0] == 0:
		return fmt.Errorf("redisstore: invitation %s: %w", inv.ID, store.ErrNotFound)
	case v[0] == -3:
		return fmt.Errorf("redisstore: reopen invitation %s: not pending, or its new code is taken: %w", inv.ID, store.ErrConflict)
	case v[0] == -1:
		return fmt.Errorf("redisstore: reopen invitation %s: the email has another pending invitation or is a member: %w", inv.ID, store.ErrExists)
	case v[0] == -2 && len(v) > 1:
		return &store.SeatError{Limit: seats, Used: int(v[1])}
	}
	return fmt.Errorf("redisstore: reopen invitation: %w", errReply)
}
