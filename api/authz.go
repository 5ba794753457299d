package api

import (
	"context"
	"slices"

	"github.com/gin-gonic/gin"

	"github.com/mailmeter/mailmeter/metering"
)

// roles lists the roles a route admits.
func roles(rs ...Role) []Role { return rs }

// allow refuses callers whose role the route does not admit (403). Which
// tenant's data a caller may see is checked per resource (404).
func (a *app) allow(admitted []Role) gin.HandlerFunc {
	return func(c *gin.Context) {
		p := principal(c)
		if !slices.Contains(admitted, p.Role) {
			a.fail(c, metering.Errorf(metering.Forbidden, "role %s may not %s %s", p.Role, c.Request.Method, c.FullPath()))
			return
		}
		c.Next()
	}
}

// notFound is what another tenant's resource looks like: as if it did not
// exist, so existence does not leak.
func notFound(what, name string) error {
	return metering.Errorf(metering.NotFound, "%s %s does not exist", what, name)
}

// ownsDomain checks that a customer owns a domain; NotFound otherwise.
func (a *app) ownsDomain(ctx context.Context, customer, domain string) error {
	d, err := a.Directory.Domain(ctx, domain)
	if metering.KindOf(err) == metering.NotFound || err == nil && d.CustomerID != customer {
		return notFound("domain", domain)
	}
	return err
}

// canSeeMailbox lets admins and services through, a mailbox only to itself
// and a customer only to mailboxes of its domains; others get NotFound.
func (a *app) canSeeMailbox(c *gin.Context, address string) error {
	p := principal(c)
	switch p.Role {
	case RoleAdmin, RoleService:
		return nil
	case RoleMailbox:
		if p.Subject == address {
			return nil
		}
	case RoleCustomer:
		err := a.ownsDomain(c.Request.Context(), p.Subject, metering.DomainOf(address))
		if metering.KindOf(err) != metering.NotFound {
			return err
		}
	}
	return notFound("mailbox", address)
}

// canSeeDomain lets admins through and a customer to its own domains.
func (a *app) canSeeDomain(c *gin.Context, domain string) error {
	p := principal(c)
	if p.Role == RoleAdmin {
		return nil
	}
	return a.ownsDomain(c.Request.Context(), p.Subject, domain)
}

// canSeeCustomer lets admins through and a customer to itself.
func (a *app) canSeeCustomer(c *gin.Context, id string) error {
	p := principal(c)
	if p.Role == RoleAdmin || p.Subject == id {
		return nil
	}
	return notFound("customer", id)
}
