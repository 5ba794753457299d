// Package loggen generates realistic, deterministic mail server logs with
// exact ground truth, for testing and benchmarking the log parsers.
//
// One seeded simulation of a busy mail host is rendered either as a
// Postfix syslog maillog (Postfix) or as an Exim mainlog (Exim). The
// traffic decisions use their own random stream, so both renderings of a
// seed carry the same sessions, recipients and fates; only cosmetic
// details (pids, ids, texts) and where a line limit cuts differ.
//
// # Traffic
//
//   - Inbound mail from Internet MXes to local mailboxes, delivered by
//     Dovecot LMTP (unix socket or 127.0.0.1:24), virtual(8) or pipe(8),
//     some recipients plus-addressed (user+tag@dom) or reached through an
//     alias (orig_to=, Exim "=> final <alias>"), a few deferred for quota
//     then delivered, a few bounced.
//   - Authenticated submissions (sasl_username=, Exim P=esmtpsa
//     A=dovecot_plain:user) to remote and local recipients: remote ones
//     deferred then sent, bounced, or kept deferred until the message
//     expires (Postfix status=expired; Exim "** addr: retry timeout
//     exceeded"). Each bounce or expiry sends an NDR (from=<>, Exim "<= <>
//     R=id") back to the sender, delivered into their mailbox.
//   - Submissions that do not authenticate: sendmail(1) as uid 33
//     (www-data; Postfix pickup "uid=33", Exim "U=www-data P=local"), with
//     -f naming a mailbox or without, and web mail over SMTP from
//     127.0.0.1 without a login. With Config.TrustedSenders the truth
//     meters them for their envelope sender (parsers configured with
//     TrustedSenders()); without, for nobody. The lines are the same.
//   - Content-filter hops through amavis on 127.0.0.1:10024 with the
//     re-injected copy from 127.0.0.1 linked by "queued as NEWID" (and, on
//     some Postfix messages, orig_queue_id=; on some, qmgr takes the copy
//     before the link is logged, so only its Message-ID tells it); amavis Passed, Blocked SPAM and Blocked
//     INFECTED verdicts (blocked mail is discarded); milter rejects
//     (ClamAV FOUND VIRUS, spam) for unfiltered mail.
//   - SMTP-time rejects: unknown users, full mailboxes, relay attempts,
//     postscreen DNSBL rejects, and policy rejects of authenticated users
//     (NOQUEUE or queue id; sasl_username=<u> or A=), permanent (5xx)
//     or temporary (4xx: greylisting, postscreen's 450, a sending rate
//     limit); and noise that counts nothing: postscreen, anvil, TLS,
//     SASL failures, lost connections, reject_warning, address-verification
//     probes, Dovecot logins, Exim queue runs and protocol errors.
//
// Sessions arrive at Config.Rate on average, following the day (busiest
// mid-afternoon) unless Steady. At most MaxInFlight messages are open at
// once, so memory stays constant however long the run; retries back off
// from 5 to 30 minutes, so deferred messages cross hours, midnight and,
// from a Start near it, New Year. Lines are written in time order, stamped
// in Start's Location.
//
// # Truth
//
// Postfix and Exim return a Truth: per mailbox, the total of every counter
// metric that the written lines cause according to docs/metering-rules.md,
// and the number of latency samples per direction. Truth is counted line
// by line as lines are written, so messages cut off by a line limit, a
// Duration or Stop count exactly what their written lines say.
//
// Decisions where the rules leave room, chosen so the truth never depends
// on a reading of them:
//   - A message never has two recipients of the same mailbox (Exim's
//     "1 per distinct recipient" could mean addresses or mailboxes).
//   - Milter rejects log a single recipient.
//   - Under Exim, submissions are not routed through amavis (Exim's own
//     reply "250 OK id=" is no "queued as" link), and spam and virus
//     blocks count nothing: Exim's mainlog carries no amavis lines and the
//     rules count no Exim "rejected after DATA".
//   - Relay attempts to remote addresses count rejected_in for those
//     addresses, as the rules meter unknown recipients anyway.
package loggen
