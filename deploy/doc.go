// Package deploy holds no code: its tests check the files operators install
// from this folder (systemd units, logrotate, the example configuration,
// Prometheus alerts, the Grafana dashboard, the Exim and Dovecot snippets)
// and the Dockerfile at the top of the repository, each with the tool that
// reads it where the machine has one.
package deploy
