# Asterisk 22 from Debian sid's own packages, as asterisk/build-root.sh builds the root that
# `npm start` and the tests run (the same package list, and the same prompt packs in es, fr,
# it and ru), configured with the same sip-config/ and dialplan/ files. Build from the
# repository root:
#   docker build -f docker/asterisk.Dockerfile .
FROM debian:sid-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      asterisk asterisk-modules asterisk-core-sounds-en-wav asterisk-moh-opsound-wav \
      asterisk-core-sounds-es-gsm asterisk-core-sounds-fr-gsm asterisk-core-sounds-it-gsm asterisk-core-sounds-ru-gsm \
 && rm -rf /var/lib/apt/lists/* \
 && for d in /var/lib/asterisk /var/spool/asterisk /var/log/asterisk /var/run/asterisk; do chown -R root:root "$d"; done
COPY sip-config/ /opt/tollbridge/templates/
COPY dialplan/ /opt/tollbridge/templates/
COPY docker/asterisk-entrypoint.sh /opt/tollbridge/entrypoint.sh
# Starts as root to render the configuration and own the instance's directories, then
# Asterisk drops to its own user (asterisk.conf runuser, TOLLBRIDGE_ASTERISK_USER).
ENTRYPOINT ["bash", "/opt/tollbridge/entrypoint.sh"]
