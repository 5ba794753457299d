package store

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/mailmeter/mailmeter/metering/probe"
)

var _ probe.ListingStore = (*Store)(nil)

type dnsblStateRow struct {
	IP        string    `gorm:"column:ip;primaryKey"`
	Zone      string    `gorm:"column:zone;primaryKey"`
	Listed    bool      `gorm:"column:listed"`
	Codes     string    `gorm:"column:codes"`
	Reason    string    `gorm:"column:reason"`
	ChangedAt time.Time `gorm:"column:changed_at"`
}

func (dnsblStateRow) TableName() string { return "dnsbl_state" }

type dnsblHistoryRow struct {
	ID     int64     `gorm:"column:id;primaryKey;autoIncrement"`
	IP     string    `gorm:"column:ip"`
	Zone   string    `gorm:"column:zone"`
	Listed bool      `gorm:"column:listed"`
	Codes  string    `gorm:"column:codes"`
	Reason string    `gorm:"column:reason"`
	At     time.Time `gorm:"column:at"`
}

func (dnsblHistoryRow) TableName() string { return "dnsbl_history" }

// ListingStates implements probe.ListingStore.
func (s *Store) ListingStates(ctx context.Context) ([]probe.Listing, error) {
	var rows []dnsblStateRow
	if err := s.db.WithContext(ctx).Order("ip, zone").Find(&rows).Error; err != nil {
		return nil, translate(err, "read DNSBL standings")
	}
	out := make([]probe.Listing, len(rows))
	for i, r := range rows {
		l, err := listingOf(r.IP, r.Zone, r.Listed, r.Codes, r.Reason, r.ChangedAt)
		if err != nil {
			return nil, err
		}
		out[i] = l
	}
	return out, nil
}

// RecordListing implements probe.ListingStore: a compare-and-set of the
// standing, its history row and its event in one transaction.
func (s *Store) RecordListing(ctx context.Context, prev *probe.Listing, next probe.Listing, eventKind string, event []byte) (bool, error) {
	ip, codes, at := next.IP.String(), joinCodes(next.Codes), next.At.UTC()
	recorded := false
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var res *gorm.DB
		if prev == nil {
			res = tx.Exec(`INSERT INTO dnsbl_state (ip, zone, listed, codes, reason, changed_at) VALUES (?, ?, ?, ?, ?, ?)
				ON CONFLICT (ip, zone) DO NOTHING`, ip, next.Zone, next.Listed, codes, next.Reason, at)
		} else {
			res = tx.Model(&dnsblStateRow{}).
				Where("ip = ? AND zone = ? AND listed = ? AND codes = ? AND reason = ?", ip, next.Zone, prev.Listed, joinCodes(prev.Codes), prev.Reason).
				Updates(map[string]any{"listed": next.Listed, "codes": codes, "reason": next.Reason, "changed_at": at})
		}
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return nil
		}
		recorded = true
		if err := tx.Create(&dnsblHistoryRow{IP: ip, Zone: next.Zone, Listed: next.Listed, Codes: codes, Reason: next.Reason, At: at}).Error; err != nil {
			return err
		}
		if event == nil {
			return nil
		}
		return tx.Create(&eventRow{Kind: eventKind, Payload: string(event), CreatedAt: at, NextAttemptAt: at}).Error
	})
	if err != nil {
		return false, translate(err, "record DNSBL standing of %s in %s", ip, next.Zone)
	}
	return recorded, nil
}

// ListingHistory implements probe.ListingStore.
func (s *Store) ListingHistory(ctx context.Context, from, to time.Time) ([]probe.Listing, error) {
	var rows []dnsblHistoryRow
	err := s.db.WithContext(ctx).
		Where("(at >= ? AND at < ?) OR id IN (SELECT MAX(id) FROM dnsbl_history WHERE at < ? GROUP BY ip, zone)", from.UTC(), to.UTC(), from.UTC()).
		Order("at, id").Find(&rows).Error
	if err != nil {
		return nil, translate(err, "read DNSBL history")
	}
	out := make([]probe.Listing, len(rows))
	for i, r := range rows {
		l, err := listingOf(r.IP, r.Zone, r.Listed, r.Codes, r.Reason, r.At)
		if err != nil {
			return nil, err
		}
		out[i] = l
	}
	return out, nil
}

func joinCodes(codes []netip.Addr) string {
	parts := make([]string, len(codes))
	for i, c := range codes {
		parts[i] = c.String()
	}
	return strings.Join(parts, ",")
}

// listingOf maps a row's columns to a Listing.
func listingOf(ip, zone string, listed bool, codes, reason string, at time.Time) (probe.Listing, error) {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return probe.Listing{}, fmt.Errorf("DNSBL row of %q: %w", ip, err)
	}
	l := probe.Listing{IP: addr, Zone: zone, Listed: listed, Reason: reason, At: at.UTC()}
	for _, c := range strings.Split(codes, ",") {
		if c == "" {
			continue
		}
		a, err := netip.ParseAddr(c)
		if err != nil {
			return probe.Listing{}, fmt.Errorf("DNSBL row of %s in %s: code %q: %w", ip, zone, c, err)
		}
		l.Codes = append(l.Codes, a)
	}
	return l, nil
}
