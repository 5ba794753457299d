package sla

import (
	"context"
	"time"

	"github.com/mailmeter/mailmeter/directory"
	"github.com/mailmeter/mailmeter/metering"
)

// LatencySection is delivery latency over the period, service-wide (the
// figures an invoice's latency credit rests on), per direction.
type LatencySection struct {
	TargetSeconds float64        `json:"target_seconds"`
	Inbound       LatencyFigures `json:"inbound"`
	Outbound      LatencyFigures `json:"outbound"`
}

// LatencyFigures are one direction's delivery-time quantiles and the share
// within the target: at least WithinTarget, at most WithinTargetMax (the
// histogram bucket straddling the target makes the difference).
type LatencyFigures struct {
	Deliveries      int64   `json:"deliveries"`
	P50Seconds      float64 `json:"p50_seconds"`
	P90Seconds      float64 `json:"p90_seconds"`
	P99Seconds      float64 `json:"p99_seconds"`
	WithinTarget    float64 `json:"within_target"`
	WithinTargetMax float64 `json:"within_target_max"`
}

func latencySection(hs map[metering.Direction]*metering.Histogram, target time.Duration) LatencySection {
	fig := func(h *metering.Histogram) LatencyFigures {
		if h == nil || h.Total == 0 {
			return LatencyFigures{WithinTarget: 1, WithinTargetMax: 1}
		}
		lo, hi := h.ShareWithinBounds(target)
		return LatencyFigures{Deliveries: h.Total, P50Seconds: h.Quantile(0.5).Seconds(), P90Seconds: h.Quantile(0.9).Seconds(),
			P99Seconds: h.Quantile(0.99).Seconds(), WithinTarget: lo, WithinTargetMax: hi}
	}
	return LatencySection{TargetSeconds: target.Seconds(), Inbound: fig(hs[metering.Inbound]), Outbound: fig(hs[metering.Outbound])}
}

// MailSection is what happened to mail over the period: the customer's
// mailboxes, or all.
type MailSection struct {
	Inbound  InboundMail  `json:"inbound"`
	Outbound OutboundMail `json:"outbound"`
	// TempRejectsMeasured says whether the temporary-reject metrics
	// (metering.TempfailedIn, TempfailedOut) are metered (else
	// temp_rejected would be 0 for want of a measure, not of rejects).
	TempRejectsMeasured bool `json:"temp_rejects_measured"`
}

// InboundMail counts recipients of mail to the mailboxes. Attempts is
// their sum: delivered, rejected (permanently or temporarily) and blocked;
// each rate is a count over Attempts (0 without attempts).
type InboundMail struct {
	Delivered      int64   `json:"delivered"`
	Rejected       int64   `json:"rejected"`
	TempRejected   int64   `json:"temp_rejected"`
	SpamBlocked    int64   `json:"spam_blocked"`
	VirusBlocked   int64   `json:"virus_blocked"`
	Attempts       int64   `json:"attempts"`
	RejectRate     float64 `json:"reject_rate"`
	TempRejectRate float64 `json:"temp_reject_rate"`
	SpamRate       float64 `json:"spam_rate"`
	VirusRate      float64 `json:"virus_rate"`
}

// OutboundMail counts recipients of mail from the mailboxes. Attempts are
// the accepted recipients and those rejected; the bounce rate is bounces
// over accepted recipients.
type OutboundMail struct {
	Recipients     int64   `json:"recipients"`
	Rejected       int64   `json:"rejected"`
	TempRejected   int64   `json:"temp_rejected"`
	Bounced        int64   `json:"bounced"`
	Attempts       int64   `json:"attempts"`
	RejectRate     float64 `json:"reject_rate"`
	TempRejectRate float64 `json:"temp_reject_rate"`
	BounceRate     float64 `json:"bounce_rate"`
}

// MailFigures computes the mail section from counter totals.
func MailFigures(t map[metering.Metric]int64) MailSection {
	in := InboundMail{Delivered: t[metering.InMessages], Rejected: t[metering.RejectedIn], TempRejected: t[metering.TempfailedIn],
		SpamBlocked: t[metering.SpamBlocked], VirusBlocked: t[metering.VirusBlocked]}
	in.Attempts = in.Delivered + in.Rejected + in.TempRejected + in.SpamBlocked + in.VirusBlocked
	in.RejectRate, in.TempRejectRate = rate(in.Rejected, in.Attempts), rate(in.TempRejected, in.Attempts)
	in.SpamRate, in.VirusRate = rate(in.SpamBlocked, in.Attempts), rate(in.VirusBlocked, in.Attempts)
	out := OutboundMail{Recipients: t[metering.OutRecipients], Rejected: t[metering.RejectedOut], TempRejected: t[metering.TempfailedOut],
		Bounced: t[metering.Bounced]}
	out.Attempts = out.Recipients + out.Rejected + out.TempRejected
	out.RejectRate, out.TempRejectRate = rate(out.Rejected, out.Attempts), rate(out.TempRejected, out.Attempts)
	out.BounceRate = rate(out.Bounced, out.Recipients)
	return MailSection{Inbound: in, Outbound: out, TempRejectsMeasured: metering.TempfailedIn.IsCounter() && metering.TempfailedOut.IsCounter()}
}

func rate(n, of int64) float64 {
	if of == 0 {
		return 0
	}
	return float64(n) / float64(of)
}

// mailFigures fills the report's mail section from the counters of the
// customer's mailboxes (removed ones too), or of all.
func (s *Service) mailFigures(ctx context.Context, rep *Report, customer string) error {
	q := metering.UsageQuery{From: rep.From, To: rep.To}
	if customer != "" {
		addrs, err := s.mailboxes(ctx, customer)
		if err != nil {
			return err
		}
		if len(addrs) == 0 {
			rep.Mail = MailFigures(nil)
			return nil
		}
		q.Mailboxes = addrs
	}
	ts, err := s.usage.Totals(ctx, q)
	if err != nil {
		return err
	}
	rep.Mail = MailFigures(metering.SumTotals(ts))
	return nil
}

// mailboxes returns every address the customer's domains ever had.
func (s *Service) mailboxes(ctx context.Context, customer string) ([]string, error) {
	var out []string
	page := directory.Page{Limit: 1000}
	for {
		ms, err := s.dir.ListMailboxes(ctx, directory.MailboxFilter{CustomerID: customer, IncludeDeleted: true}, page)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			out = append(out, m.Address)
		}
		if len(ms) < page.Limit {
			return out, nil
		}
		page.After = ms[len(ms)-1].Address
	}
}
