package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/sla"
)

type slaIncidentRow struct {
	ID        int64  `gorm:"column:id;primaryKey;autoIncrement"`
	Service   string `gorm:"column:service"`
	StartAt   int64  `gorm:"column:start_at"`
	EndAt     int64  `gorm:"column:end_at"`
	Reason    string `gorm:"column:reason"`
	CreatedAt int64  `gorm:"column:created_at"`
}

func (slaIncidentRow) TableName() string { return "sla_incidents" }

type slaMaintenanceRow struct {
	ID          int64  `gorm:"column:id;primaryKey;autoIncrement"`
	Service     string `gorm:"column:service"`
	StartAt     int64  `gorm:"column:start_at"`
	EndAt       int64  `gorm:"column:end_at"`
	AnnouncedAt int64  `gorm:"column:announced_at"`
	Reason      string `gorm:"column:reason"`
	CreatedAt   int64  `gorm:"column:created_at"`
}

func (slaMaintenanceRow) TableName() string { return "sla_maintenance" }

func unix(t int64) time.Time { return time.Unix(t, 0).UTC() }

// AddIncident implements sla.Store.
func (s *Store) AddIncident(ctx context.Context, in sla.Incident) (sla.Incident, error) {
	row := slaIncidentRow{Service: in.Service, StartAt: in.Start.Unix(), EndAt: in.End.Unix(), Reason: in.Reason, CreatedAt: in.CreatedAt.Unix()}
	if err := s.db.WithContext(ctx).Create(&row).Error; err != nil {
		return in, translate(err, "add incident")
	}
	return row.incident(), nil
}

func (r slaIncidentRow) incident() sla.Incident {
	return sla.Incident{ID: r.ID, Service: r.Service, Start: unix(r.StartAt), End: unix(r.EndAt), Reason: r.Reason, CreatedAt: unix(r.CreatedAt)}
}

// Incidents implements sla.Store.
func (s *Store) Incidents(ctx context.Context, q sla.WindowQuery) ([]sla.Incident, error) {
	var rows []slaIncidentRow
	if err := windowQuery(s.db.WithContext(ctx), q).Order("start_at, id").Find(&rows).Error; err != nil {
		return nil, translate(err, "read incidents")
	}
	out := make([]sla.Incident, len(rows))
	for i, r := range rows {
		out[i] = r.incident()
	}
	return out, nil
}

// DeleteIncident implements sla.Store.
func (s *Store) DeleteIncident(ctx context.Context, id int64) error {
	return deleteWindow(s.db.WithContext(ctx), &slaIncidentRow{}, id, "incident")
}

// AddMaintenance implements sla.Store.
func (s *Store) AddMaintenance(ctx context.Context, m sla.Maintenance) (sla.Maintenance, error) {
	row := slaMaintenanceRow{Service: m.Service, StartAt: m.Start.Unix(), EndAt: m.End.Unix(), AnnouncedAt: m.Announced.Unix(),
		Reason: m.Reason, CreatedAt: m.CreatedAt.Unix()}
	if err := s.db.WithContext(ctx).Create(&row).Error; err != nil {
		return m, translate(err, "add maintenance window")
	}
	return row.maintenance(), nil
}

func (r slaMaintenanceRow) maintenance() sla.Maintenance {
	return sla.Maintenance{ID: r.ID, Service: r.Service, Start: unix(r.StartAt), End: unix(r.EndAt), Announced: unix(r.AnnouncedAt),
		Reason: r.Reason, CreatedAt: unix(r.CreatedAt)}
}

// Maintenance implements sla.Store.
func (s *Store) Maintenance(ctx context.Context, q sla.WindowQuery) ([]sla.Maintenance, error) {
	var rows []slaMaintenanceRow
	if err := windowQuery(s.db.WithContext(ctx), q).Order("start_at, id").Find(&rows).Error; err != nil {
		return nil, translate(err, "read maintenance windows")
	}
	out := make([]sla.Maintenance, len(rows))
	for i, r := range rows {
		out[i] = r.maintenance()
	}
	return out, nil
}

// DeleteMaintenance implements sla.Store.
func (s *Store) DeleteMaintenance(ctx context.Context, id int64) error {
	return deleteWindow(s.db.WithContext(ctx), &slaMaintenanceRow{}, id, "maintenance window")
}

// windowQuery selects rows of q's service overlapping [q.From, q.To).
func windowQuery(db *gorm.DB, q sla.WindowQuery) *gorm.DB {
	if q.Service != "" {
		db = db.Where("service = ?", q.Service)
	}
	if !q.To.IsZero() {
		db = db.Where("start_at < ?", q.To.Unix())
	}
	if !q.From.IsZero() {
		db = db.Where("end_at > ?", q.From.Unix())
	}
	return db
}

func deleteWindow(db *gorm.DB, model any, id int64, what string) error {
	res := db.Where("id = ?", id).Delete(model)
	if res.Error != nil {
		return translate(res.Error, "delete %s %d", what, id)
	}
	if res.RowsAffected == 0 {
		return &metering.Error{Kind: metering.NotFound, Field: "id", Message: fmt.Sprintf("%s %d does not exist", what, id)}
	}
	return nil
}
