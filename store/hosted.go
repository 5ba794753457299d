package store

import "context"

// ActiveAddresses implements quota.Mailboxes: the address of every active
// mailbox and the name of every active domain.
func (s *Store) ActiveAddresses(ctx context.Context) (mailboxes, domains []string, err error) {
	db := s.db.WithContext(ctx)
	if err := db.Table("mailboxes").Where("deleted_at IS NULL").Pluck("address", &mailboxes).Error; err != nil {
		return nil, nil, translate(err, "list active mailboxes")
	}
	if err := db.Table("domains").Where("deleted_at IS NULL").Pluck("name", &domains).Error; err != nil {
		return nil, nil, translate(err, "list active domains")
	}
	return mailboxes, domains, nil
}
