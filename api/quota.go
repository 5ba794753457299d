package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/mailmeter/mailmeter/metering"
	"github.com/mailmeter/mailmeter/quota"
)

type storageMeterJSON struct {
	UsedBytes      int64        `json:"used_bytes"`
	LimitBytes     int64        `json:"limit_bytes,omitempty"`
	SoftLimitBytes int64        `json:"soft_limit_bytes,omitempty"`
	Percent        float64      `json:"percent"`
	Status         quota.Status `json:"status"`
	GraceUntil     string       `json:"grace_until,omitempty"`
}

type messagesMeterJSON struct {
	Used      int64        `json:"used"`
	Limit     int64        `json:"limit,omitempty"`
	SoftLimit int64        `json:"soft_limit,omitempty"`
	Percent   float64      `json:"percent"`
	Status    quota.Status `json:"status"`
}

type outboundJSON struct {
	UsedBytes       int64        `json:"used_bytes"`
	LimitBytes      int64        `json:"limit_bytes,omitempty"`
	UsedRecipients  int64        `json:"used_recipients"`
	LimitRecipients int64        `json:"limit_recipients,omitempty"`
	Percent         float64      `json:"percent"`
	Status          quota.Status `json:"status"`
	ResetsAt        string       `json:"resets_at"`
}

type quotaJSON struct {
	Mailbox       string            `json:"mailbox"`
	Storage       storageMeterJSON  `json:"storage"`
	Messages      messagesMeterJSON `json:"messages"`
	Outbound      outboundJSON      `json:"outbound"`
	OutboundMonth outboundJSON      `json:"outbound_month"`
	UpdatedAt     string            `json:"updated_at"`
}

// imapResource is one RFC 9208 QUOTA resource: STORAGE in KiB, MESSAGE
// in messages.
type imapResource struct {
	Name  string `json:"name"`
	Usage int64  `json:"usage"`
	Limit int64  `json:"limit,omitempty"`
}

type imapQuotaJSON struct {
	Mailbox   string         `json:"mailbox"`
	Root      string         `json:"root"`
	Resources []imapResource `json:"resources"`
	UpdatedAt string         `json:"updated_at"`
}

func (a *app) mailboxQuota(c *gin.Context) {
	addr, err := pathAddress(c)
	if err == nil {
		err = a.canSeeMailbox(c, addr)
	}
	units := c.Query("units")
	if err == nil && units != "" && units != "bytes" && units != "imap" {
		err = metering.FieldError("units", "units %q: want bytes or imap", units)
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	r, err := a.Quota.Quota(c.Request.Context(), addr)
	if err != nil {
		a.fail(c, err)
		return
	}
	if units == "imap" {
		c.JSON(http.StatusOK, imapOut(r))
		return
	}
	c.JSON(http.StatusOK, quotaOut(r))
}

func quotaOut(r quota.Report) quotaJSON {
	out := quotaJSON{Mailbox: r.Mailbox, UpdatedAt: rfc3339(r.UpdatedAt),
		Storage:  storageMeterJSON{r.Storage.Used, r.Storage.Limit(), r.Storage.Soft, r.Storage.Percent, r.Storage.Status, ""},
		Messages: messagesMeterJSON{r.Messages.Used, r.Messages.Limit(), r.Messages.Soft, r.Messages.Percent, r.Messages.Status},
		Outbound: outboundJSON{UsedBytes: r.OutBytes.Used, LimitBytes: r.OutBytes.Hard, UsedRecipients: r.OutRecipients.Used,
			LimitRecipients: r.OutRecipients.Hard, Percent: max(r.OutBytes.Percent, r.OutRecipients.Percent),
			Status: r.Outbound, ResetsAt: rfc3339(r.ResetsAt)},
		OutboundMonth: outboundJSON{UsedBytes: r.MonthOutBytes.Used, LimitBytes: r.MonthOutBytes.Hard, UsedRecipients: r.MonthOutRecipients.Used,
			LimitRecipients: r.MonthOutRecipients.Hard, Percent: max(r.MonthOutBytes.Percent, r.MonthOutRecipients.Percent),
			Status: r.OutboundMonth, ResetsAt: rfc3339(r.MonthResetsAt)},
	}
	if !r.GraceUntil.IsZero() {
		out.Storage.GraceUntil = rfc3339(r.GraceUntil)
	}
	return out
}

func imapOut(r quota.Report) imapQuotaJSON {
	kib := func(b int64) int64 { return (b + 1023) / 1024 }
	return imapQuotaJSON{Mailbox: r.Mailbox, Root: "", UpdatedAt: rfc3339(r.UpdatedAt), Resources: []imapResource{
		{Name: "STORAGE", Usage: kib(r.Storage.Used), Limit: r.Storage.Limit() / 1024},
		{Name: "MESSAGE", Usage: r.Messages.Used, Limit: r.Messages.Limit()},
	}}
}

// limitValuesJSON are the limits of a mailbox or a plan, as PUT takes them.
type limitValuesJSON struct {
	StorageSoftBytes      int64 `json:"storage_soft_bytes"`
	StorageHardBytes      int64 `json:"storage_hard_bytes"`
	MessagesSoft          int64 `json:"messages_soft"`
	MessagesHard          int64 `json:"messages_hard"`
	OutBytesPerDay        int64 `json:"outbound_bytes_per_day"`
	OutRecipientsPerDay   int64 `json:"outbound_recipients_per_day"`
	OutBytesPerMonth      int64 `json:"outbound_bytes_per_month"`
	OutRecipientsPerMonth int64 `json:"outbound_recipients_per_month"`
	GraceSeconds          int64 `json:"grace_seconds"`
}

func (v limitValuesJSON) input(mailbox string) quota.LimitsInput {
	return quota.LimitsInput{Mailbox: mailbox, StorageSoft: v.StorageSoftBytes, StorageHard: v.StorageHardBytes,
		MessagesSoft: v.MessagesSoft, MessagesHard: v.MessagesHard, OutBytesPerDay: v.OutBytesPerDay,
		OutRecipientsPerDay: v.OutRecipientsPerDay, OutBytesPerMonth: v.OutBytesPerMonth,
		OutRecipientsPerMonth: v.OutRecipientsPerMonth, GraceSeconds: v.GraceSeconds}
}

func valuesOut(l quota.Limits) limitValuesJSON {
	return limitValuesJSON{l.StorageSoft, l.StorageHard, l.MessagesSoft, l.MessagesHard, l.OutBytesPerDay,
		l.OutRecipientsPerDay, l.OutBytesPerMonth, l.OutRecipientsPerMonth, int64(l.Grace.Seconds())}
}

// limitsJSON is a mailbox's limits as they apply, and their source.
type limitsJSON struct {
	Mailbox string `json:"mailbox"`
	limitValuesJSON
	Source    string `json:"source"`         // mailbox, plan or none
	Plan      string `json:"plan,omitempty"` // the customer's plan
	UpdatedAt string `json:"updated_at,omitempty"`
}

type planLimitsJSON struct {
	Plan string `json:"plan"`
	limitValuesJSON
	UpdatedAt string `json:"updated_at"`
}

func limitsOut(l quota.AppliedLimits) limitsJSON {
	out := limitsJSON{Mailbox: l.Mailbox, limitValuesJSON: valuesOut(l.Limits), Source: l.Source, Plan: l.Plan}
	if !l.UpdatedAt.IsZero() {
		out.UpdatedAt = rfc3339(l.UpdatedAt)
	}
	return out
}

func (a *app) getLimits(c *gin.Context) {
	addr, err := pathAddress(c)
	if err != nil {
		a.fail(c, err)
		return
	}
	l, err := a.Quota.Limits(c.Request.Context(), addr)
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, limitsOut(l))
}

func (a *app) putLimits(c *gin.Context) {
	addr, err := pathAddress(c)
	var in limitValuesJSON
	if err == nil {
		err = bindJSON(c, &in)
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	if _, err = a.Quota.SetLimits(c.Request.Context(), in.input(addr)); err == nil {
		var l quota.AppliedLimits
		if l, err = a.Quota.Limits(c.Request.Context(), addr); err == nil {
			c.JSON(http.StatusOK, limitsOut(l))
			return
		}
	}
	a.fail(c, err)
}

func (a *app) deleteLimits(c *gin.Context) {
	addr, err := pathAddress(c)
	if err == nil {
		err = a.Quota.DeleteLimits(c.Request.Context(), addr)
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (a *app) getPlanLimits(c *gin.Context) {
	p, err := a.Quota.PlanLimits(c.Request.Context(), c.Param("plan"))
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, planLimitsJSON{Plan: p.Plan, limitValuesJSON: valuesOut(p.Limits), UpdatedAt: rfc3339(p.UpdatedAt)})
}

func (a *app) putPlanLimits(c *gin.Context) {
	var in limitValuesJSON
	if err := bindJSON(c, &in); err != nil {
		a.fail(c, err)
		return
	}
	p, err := a.Quota.SetPlanLimits(c.Request.Context(), c.Param("plan"), in.input(""))
	if err != nil {
		a.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, planLimitsJSON{Plan: p.Plan, limitValuesJSON: valuesOut(p.Limits), UpdatedAt: rfc3339(p.UpdatedAt)})
}
