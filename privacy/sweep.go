package privacy

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/shipflow/shipflow/order"
)

// Column is one text or jsonb column of a table in the schema.
type Column struct {
	Table, Name, Type string
}

// skipTables are tables whose text is no customer's: the migrations' own bookkeeping.
var skipTables = map[string]bool{"goose_db_version": true}

// Columns are every text, varchar and jsonb column of every table of the current schema,
// read from information_schema, so that a table added later is covered without a change here.
func Columns(ctx context.Context, tx pgx.Tx) ([]Column, error) {
	rows, err := tx.Query(ctx, `
		SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c
		JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
		WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
		  AND c.data_type IN ('text', 'character varying', 'jsonb', 'json')
		  AND c.is_generated = 'NEVER'
		ORDER BY c.table_name, c.ordinal_position`)
	if err != nil {
		return nil, fmt.Errorf("list columns: %w", err)
	}
	cs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Column, error) {
		var c Column
		err := r.Scan(&c.Table, &c.Name, &c.Type)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("list columns: %w", err)
	}
	out := cs[:0]
	for _, c := range cs {
		if !skipTables[c.Table] {
			out = append(out, c)
		}
	}
	return out, nil
}

// sweep redacts the terms wherever they are left in any text or jsonb column.
func sweep(ctx context.Context, tx pgx.Tx, p order.Personal, terms []string) (int64, error) {
	cs, err := Columns(ctx, tx)
	if err != nil {
		return 0, err
	}
	var n int64
	for _, c := range cs {
		tbl, col := pgx.Identifier{c.Table}.Sanitize(), pgx.Identifier{c.Name}.Sanitize()
		rows, err := tx.Query(ctx, fmt.Sprintf(`SELECT ctid::text, %s::text FROM %s WHERE %s FOR UPDATE`, col, tbl, matchesAny(col+"::text", 1)), terms)
		if err != nil {
			return n, fmt.Errorf("sweep %s.%s: %w", c.Table, c.Name, err)
		}
		type hit struct{ ctid, v string }
		hits, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (hit, error) {
			var h hit
			err := r.Scan(&h.ctid, &h.v)
			return h, err
		})
		if err != nil {
			return n, fmt.Errorf("sweep %s.%s: %w", c.Table, c.Name, err)
		}
		for _, h := range hits {
			var v any = p.Redact(h.v)
			cast := ""
			if c.Type == "jsonb" || c.Type == "json" {
				b, _, err := scrubJSON([]byte(h.v), p)
				if err != nil {
					return n, fmt.Errorf("sweep %s.%s: %w", c.Table, c.Name, err)
				}
				v, cast = string(b), "::"+c.Type
			}
			if _, err := tx.Exec(ctx, fmt.Sprintf(`UPDATE %s SET %s = $1%s WHERE ctid = $2::tid`, tbl, col, cast), v, h.ctid); err != nil {
				return n, fmt.Errorf("sweep %s.%s: %w", c.Table, c.Name, err)
			}
			n++
		}
	}
	return n, nil
}
