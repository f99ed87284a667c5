package commons

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/fabrique-des-energies/fabrique/internal/platform/errs"
)

// ReportsToHide is how many different people must report an item before it is hidden
// pending review.
const ReportsToHide = 3

// Moderation actions as recorded in the log.
const (
	ActionAutoHide     = "auto-hide"
	ActionHide         = "hide"
	ActionRestore      = "restore"
	ActionDismiss      = "dismiss"
	ActionBlockUser    = "block-user"
	ActionEssentialOn  = "essential-on"
	ActionEssentialOff = "essential-off"
)

// SystemName is the author name of automatic moderation actions.
const SystemName = "système (3 signalements)"

// Blocker blocks an account and returns its display name. It refuses accounts that
// moderation may not block (moderators, administrators).
type Blocker func(ctx context.Context, userID int64, reason string) (string, error)

// SetBlocker gives moderation the way to block accounts.
func (s *Service) SetBlocker(b Blocker) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.blocker = b
}

// ReportOutcome says what a report led to.
type ReportOutcome struct {
	OpenReports int  `json:"open_reports"`
	Hidden      bool `json:"hidden"`
}

type target struct {
	id     int64
	label  string
	hidden bool
}

func entityTable(e Entity) (string, string, error) {
	switch e {
	case EntityResource:
		return "resources", "title", nil
	case EntityActor:
		return "actors", "name", nil
	}
	return "", "", errs.New(errs.Invalid, "Type d'élément inconnu.", "Unknown item type.")
}

func (s *Service) target(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, e Entity, slug string) (target, error) {
	table, label, err := entityTable(e)
	if err != nil {
		return target{}, err
	}
	var t target
	err = q.QueryRowContext(ctx, `SELECT id, `+label+`, hidden FROM `+table+` WHERE slug = $1`, slug).Scan(&t.id, &t.label, &t.hidden)
	if errors.Is(err, sql.ErrNoRows) {
		if e == EntityActor {
			return t, notFoundActor(slug)
		}
		return t, notFoundResource(slug)
	}
	return t, err
}

// Report records a signed-in user's report. A person has one open report per item; at
// ReportsToHide open reports from different people the item is hidden pending review.
func (s *Service) Report(ctx context.Context, e Entity, slug string, userID int64, reason string) (ReportOutcome, error) {
	reason = cleanLine(reason)
	switch n := runes(reason); {
	case n < 3:
		return ReportOutcome{}, errs.Field("reason", "Dites en quelques mots ce qui pose problème (3 caractères au moins).", "Say in a few words what the problem is (at least 3 characters).")
	case n > MaxShortText:
		return ReportOutcome{}, errs.Field("reason", fmt.Sprintf("Le motif fait %d caractères au plus.", MaxShortText), fmt.Sprintf("The reason is at most %d characters.", MaxShortText))
	}
	var out ReportOutcome
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		t, err := s.target(ctx, tx, e, slug)
		if err != nil {
			return err
		}
		now := s.Now()
		res, err := tx.ExecContext(ctx, `INSERT INTO commons_reports (entity, entity_id, user_id, reason, created_at) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (entity, entity_id, user_id) WHERE resolved_at IS NULL DO NOTHING`, string(e), t.id, userID, reason, now)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.New(errs.Conflict, "Vous avez déjà signalé cet élément ; l'équipe de modération va l'examiner.",
				"You have already reported this item; the moderators will review it.")
		}
		if err := tx.QueryRowContext(ctx, `SELECT count(DISTINCT user_id) FROM commons_reports WHERE entity = $1 AND entity_id = $2 AND resolved_at IS NULL`,
			string(e), t.id).Scan(&out.OpenReports); err != nil {
			return err
		}
		out.Hidden = t.hidden
		if !t.hidden && out.OpenReports >= ReportsToHide {
			if err := s.setHidden(ctx, tx, e, t.id, true, now); err != nil {
				return err
			}
			out.Hidden = true
			return s.logAction(ctx, tx, Author{Name: SystemName}, ActionAutoHide, e, t.id, t.label, 0,
				fmt.Sprintf("%d signalements de personnes différentes", out.OpenReports))
		}
		return nil
	})
	return out, err
}

func (s *Service) setHidden(ctx context.Context, tx *sql.Tx, e Entity, id int64, hidden bool, now time.Time) error {
	table, _, err := entityTable(e)
	if err != nil {
		return err
	}
	var at any
	if hidden {
		at = now
	}
	if _, err := tx.ExecContext(ctx, `UPDATE `+table+` SET hidden = $1, hidden_at = $2 WHERE id = $3`, hidden, at, id); err != nil {
		return err
	}
	return bumpGeneration(ctx, tx)
}

func (s *Service) logAction(ctx context.Context, tx *sql.Tx, mod Author, action string, e Entity, id int64, label string, targetUser int64, detail string) error {
	var modID, tu any
	if mod.UserID != 0 {
		modID = mod.UserID
	}
	if targetUser != 0 {
		tu = targetUser
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO commons_moderation_log (created_at, moderator_id, moderator_name, action, entity, entity_id, entity_label, target_user_id, detail)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, s.Now(), modID, mod.Name, action, string(e), id, label, tu, detail)
	return err
}

// Item names a reported or hidden item for moderation actions.
type Item struct {
	Entity Entity
	ID     int64
}

// ParseItem reads "resource:12" or "actor:3".
func ParseItem(s string) (Item, error) {
	e, id, ok := strings.Cut(s, ":")
	var it Item
	if _, err := fmt.Sscan(id, &it.ID); !ok || err != nil || (e != string(EntityResource) && e != string(EntityActor)) {
		return it, errs.Field("items", "Élément invalide « "+s+" » (attendu : resource:ID ou actor:ID).", "Invalid item \""+s+"\" (expected resource:ID or actor:ID).")
	}
	it.Entity = Entity(e)
	return it, nil
}

func (it Item) String() string { return fmt.Sprintf("%s:%d", it.Entity, it.ID) }

// Moderate applies hide, restore or dismiss to items, each in its own transaction and logged.
// Restore and dismiss close the open reports. It returns how many items were changed.
func (s *Service) Moderate(ctx context.Context, action string, items []Item, mod Author, note string) (int, error) {
	if action != ActionHide && action != ActionRestore && action != ActionDismiss {
		return 0, errs.Field("action", "Action inconnue « "+action+" » (hide, restore, dismiss).", "Unknown action \""+action+"\" (hide, restore, dismiss).")
	}
	if len(items) == 0 {
		return 0, errs.Field("items", "Choisissez au moins un élément.", "Choose at least one item.")
	}
	note = cleanLine(note)
	done := 0
	for _, it := range items {
		err := s.db.Tx(ctx, func(tx *sql.Tx) error {
			table, label, err := entityTable(it.Entity)
			if err != nil {
				return err
			}
			var name string
			var hidden bool
			err = tx.QueryRowContext(ctx, `SELECT `+label+`, hidden FROM `+table+` WHERE id = $1`, it.ID).Scan(&name, &hidden)
			if errors.Is(err, sql.ErrNoRows) {
				return errs.New(errs.NotFound, "Élément introuvable : "+it.String()+".", "Item not found: "+it.String()+".")
			}
			if err != nil {
				return err
			}
			now := s.Now()
			switch action {
			case ActionHide:
				if !hidden {
					if err := s.setHidden(ctx, tx, it.Entity, it.ID, true, now); err != nil {
						return err
					}
				}
			case ActionRestore:
				if hidden {
					if err := s.setHidden(ctx, tx, it.Entity, it.ID, false, now); err != nil {
						return err
					}
				}
				fallthrough
			case ActionDismiss:
				if _, err := tx.ExecContext(ctx, `UPDATE commons_reports SET resolved_at = $1, resolution = $2 WHERE entity = $3 AND entity_id = $4 AND resolved_at IS NULL`,
					now, action, string(it.Entity), it.ID); err != nil {
					return err
				}
			}
			return s.logAction(ctx, tx, mod, action, it.Entity, it.ID, name, 0, note)
		})
		if err != nil {
			return done, err
		}
		done++
	}
	return done, nil
}

// BlockUser blocks an account (it can no longer sign in or write) and logs it.
func (s *Service) BlockUser(ctx context.Context, userID int64, mod Author, reason string) error {
	s.mu.RLock()
	b := s.blocker
	s.mu.RUnlock()
	if b == nil {
		return errors.New("commons: no account blocker configured")
	}
	if userID == mod.UserID {
		return errs.New(errs.Invalid, "Vous ne pouvez pas bloquer votre propre compte.", "You cannot block your own account.")
	}
	reason = cleanLine(reason)
	if runes(reason) < 3 {
		return errs.Field("reason", "Indiquez le motif du blocage (3 caractères au moins).", "Give the reason for blocking (at least 3 characters).")
	}
	name, err := b(ctx, userID, reason)
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		return s.logAction(ctx, tx, mod, ActionBlockUser, "user", userID, name, userID, reason)
	})
}

// QueueItem is an item with open reports, or hidden, waiting for a moderator.
type QueueItem struct {
	Item
	Slug, Label string
	Hidden      bool
	HiddenAt    *time.Time
	OpenReports int
	Reasons     []string
	// LastAuthorID and LastAuthorName are the author of the latest revision (whom a moderator
	// may block).
	LastAuthorID   int64
	LastAuthorName string
}

// Queue lists reported or hidden items, hidden first, then by number of reports.
func (s *Service) Queue(ctx context.Context) ([]QueueItem, error) {
	var out []QueueItem
	for _, e := range []Entity{EntityResource, EntityActor} {
		table, label, _ := entityTable(e)
		rows, err := s.db.R.QueryContext(ctx, `SELECT t.id, t.slug, t.`+label+`, t.hidden, t.hidden_at,
			(SELECT count(DISTINCT r.user_id) FROM commons_reports r WHERE r.entity = $1 AND r.entity_id = t.id AND r.resolved_at IS NULL),
			COALESCE(v.author_id, 0), COALESCE(v.author_name, '')
			FROM `+table+` t LEFT JOIN commons_revisions v ON v.entity = $1 AND v.entity_id = t.id AND v.number = t.revision
			WHERE t.hidden = $2 OR EXISTS (SELECT 1 FROM commons_reports r WHERE r.entity = $1 AND r.entity_id = t.id AND r.resolved_at IS NULL)`,
			string(e), true)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			q := QueueItem{Item: Item{Entity: e}}
			var at sql.NullTime
			if err := rows.Scan(&q.ID, &q.Slug, &q.Label, &q.Hidden, &at, &q.OpenReports, &q.LastAuthorID, &q.LastAuthorName); err != nil {
				rows.Close()
				return nil, err
			}
			if at.Valid {
				t := at.Time.UTC()
				q.HiddenAt = &t
			}
			out = append(out, q)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	for i := range out {
		rows, err := s.db.R.QueryContext(ctx, `SELECT reason FROM commons_reports WHERE entity = $1 AND entity_id = $2 AND resolved_at IS NULL ORDER BY id`,
			string(out[i].Entity), out[i].ID)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var r string
			if err := rows.Scan(&r); err != nil {
				rows.Close()
				return nil, err
			}
			out[i].Reasons = append(out[i].Reasons, r)
		}
		rows.Close()
	}
	sortQueue(out)
	return out, nil
}

func sortQueue(q []QueueItem) {
	less := func(a, b QueueItem) bool {
		if a.Hidden != b.Hidden {
			return a.Hidden
		}
		if a.OpenReports != b.OpenReports {
			return a.OpenReports > b.OpenReports
		}
		return a.Item.String() < b.Item.String()
	}
	for i := 1; i < len(q); i++ {
		for j := i; j > 0 && less(q[j], q[j-1]); j-- {
			q[j], q[j-1] = q[j-1], q[j]
		}
	}
}

// LogEntry is one moderation action.
type LogEntry struct {
	ID            int64
	At            time.Time
	ModeratorID   int64
	ModeratorName string
	Action        string
	Entity        string
	EntityID      int64
	Label         string
	TargetUserID  int64
	Detail        string
}

// ModerationLog lists moderation actions, newest first, a page at a time (limit 0: all).
func (s *Service) ModerationLog(ctx context.Context, page, limit int) ([]LogEntry, int, error) {
	var total int
	if err := s.db.R.QueryRowContext(ctx, `SELECT count(*) FROM commons_moderation_log`).Scan(&total); err != nil {
		return nil, 0, err
	}
	q := `SELECT id, created_at, COALESCE(moderator_id, 0), moderator_name, action, entity, entity_id, entity_label, COALESCE(target_user_id, 0), detail
		FROM commons_moderation_log ORDER BY id DESC`
	var args []any
	if limit > 0 {
		q += ` LIMIT $1 OFFSET $2`
		args = append(args, limit, (max(page, 1)-1)*limit)
	}
	rows, err := s.db.R.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []LogEntry
	for rows.Next() {
		var l LogEntry
		if err := rows.Scan(&l.ID, &l.At, &l.ModeratorID, &l.ModeratorName, &l.Action, &l.Entity, &l.EntityID, &l.Label, &l.TargetUserID, &l.Detail); err != nil {
			return nil, 0, err
		}
		l.At = l.At.UTC()
		out = append(out, l)
	}
	return out, total, rows.Err()
}
