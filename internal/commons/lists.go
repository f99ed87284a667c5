package commons

import (
	"context"

	"github.com/fabrique-des-energies/fabrique/internal/platform/db"
)

// listResources reads full resources (with contributors and attachments) matching a WHERE
// clause, for exports. The clause and its arguments are the caller's own constants.
func (s *Service) listResources(ctx context.Context, where string, args []any, order string, limit, offset int) ([]*Resource, error) {
	q := `SELECT ` + resourceColumns + resourceFrom + `WHERE ` + where + ` ORDER BY ` + order
	if limit > 0 {
		n := len(args)
		q += ` LIMIT ` + db.Placeholders(n+1, 1) + ` OFFSET ` + db.Placeholders(n+2, 1)
		args = append(args, limit, offset)
	}
	rows, err := s.db.R.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	var out []*Resource
	byID := map[int64]*Resource{}
	for rows.Next() {
		r, err := scanResource(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		r.Contributors, r.Attachments = []Contribution{}, []Attachment{}
		out = append(out, r)
		byID[r.ID] = r
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, s.fillMany(ctx, out, byID)
}

// resourcesByIDs reads full resources in the order of ids.
func (s *Service) resourcesByIDs(ctx context.Context, ids []int64) ([]*Resource, error) {
	var out []*Resource
	for start := 0; start < len(ids); start += 500 {
		part := ids[start:min(start+500, len(ids))]
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		got, err := s.listResources(ctx, `r.id IN (`+db.Placeholders(1, len(part))+`)`, args, `r.id`, 0, 0)
		if err != nil {
			return nil, err
		}
		byID := map[int64]*Resource{}
		for _, r := range got {
			byID[r.ID] = r
		}
		for _, id := range part {
			if r, ok := byID[id]; ok {
				out = append(out, r)
			}
		}
	}
	return out, nil
}

func (s *Service) fillMany(ctx context.Context, list []*Resource, byID map[int64]*Resource) error {
	if len(list) == 0 {
		return nil
	}
	args := make([]any, len(list))
	for i, r := range list {
		args[i] = r.ID
	}
	in := `(` + db.Placeholders(1, len(list)) + `)`
	rows, err := s.db.R.QueryContext(ctx, `SELECT c.resource_id, a.slug, a.name, c.role FROM resource_contributors c JOIN actors a ON a.id = c.actor_id
		WHERE c.resource_id IN `+in+` ORDER BY c.resource_id, c.position`, args...)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id int64
		var c Contribution
		if err := rows.Scan(&id, &c.Actor, &c.Name, &c.Role); err != nil {
			rows.Close()
			return err
		}
		byID[id].Contributors = append(byID[id].Contributors, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = s.db.R.QueryContext(ctx, `SELECT a.resource_id, a.id, a.filename, a.content_type, a.size, b.sha256, a.created_at FROM resource_attachments a
		JOIN commons_blobs b ON b.id = a.blob_id WHERE a.resource_id IN `+in+` ORDER BY a.resource_id, a.id`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var x Attachment
		if err := rows.Scan(&x.ResourceID, &x.ID, &x.Filename, &x.ContentType, &x.Size, &x.SHA256, &x.CreatedAt); err != nil {
			return err
		}
		x.CreatedAt = x.CreatedAt.UTC()
		byID[x.ResourceID].Attachments = append(byID[x.ResourceID].Attachments, x)
	}
	return rows.Err()
}
