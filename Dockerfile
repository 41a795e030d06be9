# SPDX-License-Identifier: Apache-2.0
# fixgate container image. Build: docker build -t fixgate .   Run and operate: docs/OPERATIONS.md.
#
# Stage 1 builds the four programs in Release on Debian 12 with the -dev packages and installs them
# (`cmake --install`, stripped) into a staging tree; stage 2 is debian:12-slim with only the shared libraries they load (checked with ldd + dpkg -S against a
# build on Debian 12: libquickfix17, libyaml-cpp0.7, libspdlog1.10, libfmt9, libssl3; libpq5 for
# the PostgreSQL journal backend; libzstd1 for archived segments), tzdata for session schedules and
# ca-certificates for TLS.

FROM debian:12 AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      g++ cmake make pkg-config libquickfix-dev libboost-dev libspdlog-dev libfmt-dev libyaml-cpp-dev \
      nlohmann-json3-dev libssl-dev libpq-dev libzstd-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# Warnings are errors in development and CI; an image build should not fail on a new compiler
# note, so they stay warnings here. Tests and micro-benchmarks are not built.
RUN cmake -S . -B /build -DCMAKE_BUILD_TYPE=Release -DFIXGATE_WERROR=OFF \
      -DFIXGATE_BUILD_TESTS=OFF -DFIXGATE_BUILD_BENCH=OFF -DCMAKE_INSTALL_PREFIX=/usr/local \
 && cmake --build /build -j"$(nproc)" --target fixgate fixgate_simulator fixgate_client fixgate_journal_tool \
 && DESTDIR=/staging cmake --install /build --strip

FROM debian:12-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libquickfix17 libyaml-cpp0.7 libspdlog1.10 libfmt9 libpq5 libssl3 libzstd1 tzdata ca-certificates \
 && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 fixgate \
 && useradd --system --uid 10001 --gid fixgate --home-dir /opt/fixgate --no-create-home \
      --shell /usr/sbin/nologin fixgate
# The install tree (docs/OPERATIONS.md, "Installing"): programs in /usr/local/bin find the
# dictionaries in /usr/local/share/fixgate/spec beside them, whatever the working directory.
COPY --from=build /staging/usr/local/ /usr/local/
# The container config starts as is (ops.http on 0.0.0.0:9100, no upstream client yet); mount your
# own over it. Relative paths in it (journal.path: var/journal) resolve against the working directory.
COPY config/fixgate-container.yaml /etc/fixgate/fixgate.yaml
WORKDIR /opt/fixgate
RUN mkdir -p var/journal && chown -R fixgate:fixgate var
USER fixgate
# The journal: mount a volume here, or the records die with the container.
VOLUME ["/opt/fixgate/var"]
# 7001: upstream JSON-lines listener (loopback in the shipped config until clients and TLS are
# configured); 9100: ops HTTP (/metrics, /healthz, /readyz), on 0.0.0.0 in the shipped config.
EXPOSE 7001 9100
# fixgate stops on SIGTERM: no new requests, FIX logouts, journal synced, exit 0. Give it time
# (docker stop -t 30, Kubernetes terminationGracePeriodSeconds).
STOPSIGNAL SIGTERM
# The probe uses bash's /dev/tcp (bash, head and grep are in debian:12-slim): no curl needed.
# It talks to the ops listener from inside the container, so a loopback ops.http works too.
# tests/system/install_test.py runs this exact command against the shipped config.
ENV FIXGATE_HEALTH_PORT=9100
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${FIXGATE_HEALTH_PORT} && printf 'GET /healthz HTTP/1.0\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["/usr/local/bin/fixgate"]
CMD ["--config", "/etc/fixgate/fixgate.yaml"]
