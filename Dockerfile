# syntax=docker/dockerfile:1
# mailmeter in a container: a static binary (pure-Go SQLite, CGO_ENABLED=0)
# on an empty base, run as a non-root user, healthy while /healthz answers.
#
#   docker build -t mailmeter .
#   docker run -d -p 8080:8080 -v mailmeter:/var/lib/mailmeter \
#     -e MAILMETER_JWT_SECRET=… mailmeter serve --listen 0.0.0.0:8080
#
# The data (SQLite database) lives in the volume /var/lib/mailmeter; point
# MAILMETER_DB at PostgreSQL instead for several replicas.

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
# timetzdata embeds the zone database: customers' time zones work on scratch.
RUN CGO_ENABLED=0 go build -trimpath -tags timetzdata \
      -ldflags "-s -w -X main.version=${VERSION}" -o /out/mailmeter ./cmd/mailmeter \
 && mkdir -p /out/data \
 && echo 'mailmeter:x:65532:65532:mailmeter:/var/lib/mailmeter:/sbin/nologin' >/out/passwd \
 && echo 'mailmeter:x:65532:' >/out/group

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/passwd /etc/passwd
COPY --from=build /out/group /etc/group
COPY --from=build --chown=65532:65532 /out/data /var/lib/mailmeter
COPY --from=build /out/mailmeter /usr/local/bin/mailmeter
USER 65532:65532
WORKDIR /var/lib/mailmeter
ENV MAILMETER_DB=sqlite:/var/lib/mailmeter/mailmeter.db \
    MAILMETER_LISTEN=0.0.0.0:8080
VOLUME /var/lib/mailmeter
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["/usr/local/bin/mailmeter", "healthcheck", "http://127.0.0.1:8080/healthz"]
ENTRYPOINT ["/usr/local/bin/mailmeter"]
CMD ["serve"]
