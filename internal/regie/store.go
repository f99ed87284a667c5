package regie

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/fabrique-des-energies/fabrique/internal/platform/db"
)

// This file holds every SQL statement on regie_readings. Reading blocks is
// scanBlocks, called only by the door (door.go) and by the importer to merge
// a new file over stored blocks (a test checks that nothing else calls it).

// storedBlock is one row of regie_readings.
type storedBlock struct {
	meter int64
	month int64 // block.MonthIndex of the block's key
	data  []byte
}

// scanBlocks reads the blocks of some meters for one series with month keys
// in [fromMonth, toMonth], ordered by meter then month.
func scanBlocks(ctx context.Context, q db.Queryer, meters []int64, series int, fromMonth, toMonth int64) ([]storedBlock, error) {
	if len(meters) == 0 {
		return nil, nil
	}
	var rows *sql.Rows
	var err error
	if len(meters) == 1 {
		rows, err = q.QueryContext(ctx, `SELECT meter_id, month, data FROM regie_readings
			WHERE meter_id = $1 AND series = $2 AND month >= $3 AND month <= $4 ORDER BY month`, meters[0], series, fromMonth, toMonth)
	} else {
		args := []any{series, fromMonth, toMonth}
		for _, m := range meters {
			args = append(args, m)
		}
		rows, err = q.QueryContext(ctx, `SELECT meter_id, month, data FROM regie_readings
			WHERE series = $1 AND month >= $2 AND month <= $3 AND meter_id IN (`+db.Placeholders(4, len(meters))+`) ORDER BY meter_id, month`, args...)
	}
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []storedBlock
	for rows.Next() {
		var b storedBlock
		if err := rows.Scan(&b.meter, &b.month, &b.data); err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// upsertBatch is how many blocks go in one INSERT statement.
const upsertBatch = 100

// writeBlocks inserts or replaces blocks of one series.
func writeBlocks(ctx context.Context, tx *sql.Tx, series int, blocks []storedBlock) error {
	for len(blocks) > 0 {
		n := min(len(blocks), upsertBatch)
		var b strings.Builder
		b.WriteString(`INSERT INTO regie_readings (meter_id, series, month, data) VALUES `)
		args := make([]any, 0, 4*n)
		for i := 0; i < n; i++ {
			if i > 0 {
				b.WriteByte(',')
			}
			k := 4 * i
			fmt.Fprintf(&b, "($%d, $%d, $%d, $%d)", k+1, k+2, k+3, k+4)
			args = append(args, blocks[i].meter, series, blocks[i].month, blocks[i].data)
		}
		b.WriteString(` ON CONFLICT (meter_id, series, month) DO UPDATE SET data = excluded.data`)
		if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
			return fmt.Errorf("write blocks: %w", err)
		}
		blocks = blocks[n:]
	}
	return nil
}

// deleteMeterData erases a meter's readings, series summary and imports.
func deleteMeterData(ctx context.Context, tx *sql.Tx, meterID int64) error {
	for _, q := range []string{
		`DELETE FROM regie_readings WHERE meter_id = $1`,
		`DELETE FROM regie_series WHERE meter_id = $1`,
		`DELETE FROM regie_imports WHERE meter_id = $1`,
		`DELETE FROM regie_consent_meters WHERE meter_id = $1`,
	} {
		if _, err := tx.ExecContext(ctx, q, meterID); err != nil {
			return err
		}
	}
	return nil
}
