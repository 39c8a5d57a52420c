# Asterisk 22 from Debian testing's own packages, configured with the same sip-config/ and
# dialplan/ files the tests and `npm start` use. Build from the repository root:
#   docker build -f docker/asterisk.Dockerfile .
FROM debian:testing-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      asterisk asterisk-modules asterisk-core-sounds-en-wav asterisk-moh-opsound-wav \
 && rm -rf /var/lib/apt/lists/* \
 && for d in /var/lib/asterisk /var/spool/asterisk /var/log/asterisk /var/run/asterisk; do chown -R root:root "$d"; done
COPY sip-config/ /opt/tollbridge/templates/
COPY dialplan/ /opt/tollbridge/templates/
COPY docker/asterisk-entrypoint.sh /opt/tollbridge/entrypoint.sh
ENTRYPOINT ["bash", "/opt/tollbridge/entrypoint.sh"]
