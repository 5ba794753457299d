package store

import "time"

// Row structs: one per table, matching the migrated schema (checked by
// TestModelsMatchSchema on both dialects).

type customerRow struct {
	ID        string     `gorm:"column:id;primaryKey"`
	Name      string     `gorm:"column:name"`
	Currency  string     `gorm:"column:currency"`
	Timezone  string     `gorm:"column:timezone"`
	Plan      string     `gorm:"column:plan"`
	CreatedAt time.Time  `gorm:"column:created_at"`
	DeletedAt *time.Time `gorm:"column:deleted_at"`
	// Billing details (migration 0022).
	LegalName    string `gorm:"column:legal_name"`
	Address      string `gorm:"column:address"`
	PostalCode   string `gorm:"column:postal_code"`
	City         string `gorm:"column:city"`
	Country      string `gorm:"column:country"`
	VATID        string `gorm:"column:vat_id"`
	BillingEmail string `gorm:"column:billing_email"`
	TaxBP        *int64 `gorm:"column:tax_bp"`
}

func (customerRow) TableName() string { return "customers" }

type domainRow struct {
	Name       string     `gorm:"column:name;primaryKey"`
	CustomerID string     `gorm:"column:customer_id"`
	CreatedAt  time.Time  `gorm:"column:created_at"`
	DeletedAt  *time.Time `gorm:"column:deleted_at"`
}

func (domainRow) TableName() string { return "domains" }

type mailboxRow struct {
	ID        int64      `gorm:"column:id;primaryKey;autoIncrement"`
	Address   string     `gorm:"column:address"`
	Domain    string     `gorm:"column:domain"`
	CreatedAt time.Time  `gorm:"column:created_at"`
	DeletedAt *time.Time `gorm:"column:deleted_at"`
}

func (mailboxRow) TableName() string { return "mailboxes" }

type gaugeRow struct {
	Mailbox    string `gorm:"column:mailbox;primaryKey"`
	Folder     string `gorm:"column:folder;primaryKey"`
	Metric     string `gorm:"column:metric;primaryKey"`
	Hour       int64  `gorm:"column:hour;primaryKey"`
	Last       int64  `gorm:"column:last"`
	Max        int64  `gorm:"column:max"`
	ObservedAt int64  `gorm:"column:observed_at"`
}

func (gaugeRow) TableName() string { return "usage_gauges" }

type latencyRow struct {
	Hour      int64  `gorm:"column:hour;primaryKey"`
	Direction string `gorm:"column:direction;primaryKey"`
	Domain    string `gorm:"column:domain;primaryKey"`
	Bucket    int    `gorm:"column:bucket;primaryKey"`
	Count     int64  `gorm:"column:count"`
}

func (latencyRow) TableName() string { return "latency_buckets" }

type checkpointRow struct {
	Source    string    `gorm:"column:source;primaryKey"`
	Seq       int64     `gorm:"column:seq"`
	Offset    int64     `gorm:"column:offset_bytes"`
	Position  []byte    `gorm:"column:position"`
	State     []byte    `gorm:"column:state"`
	UpdatedAt time.Time `gorm:"column:updated_at"`
}

func (checkpointRow) TableName() string { return "checkpoints" }

// models lists every row struct, for the schema test.
func models() []any {
	return []any{&customerRow{}, &domainRow{}, &mailboxRow{}, &hourRow{}, &gaugeRow{}, &latencyRow{}, &checkpointRow{}, &limitsRow{}, &planLimitsRow{}, &ingestBatchRow{}, &alertLevelRow{}, &eventRow{}, &probeHourRow{}, &invoiceRow{}, &invoiceSequenceRow{}, &overRow{}, &currentStorageRow{}, &deadLetterRow{}, &dnsblStateRow{}, &dnsblHistoryRow{},
		&probeCheckRow{}, &slaSettledRow{}, &slaIntervalRow{}, &slaIncidentRow{}, &slaMaintenanceRow{}}
}
