# One image per service, built from the repository root:
#   docker build -f deploy/docker/service.Dockerfile --build-arg SERVICE=planning -t pmm-kinerja/planning .
# It carries the service, the shared kernel/contracts/chassis, and the service's Alembic migrations
# (run with `alembic -c services/$SERVICE/alembic.ini upgrade head` from /app).

FROM python:3.11-slim AS build
ARG SERVICE
RUN test -n "${SERVICE}" || (echo "build with --build-arg SERVICE=<name>" >&2; exit 1)
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
# The run-time lock first: the dependency layer is rebuilt only when it changes. Only requirements.lock: the
# test, lint and audit tools of requirements-dev.lock never reach a production image.
COPY requirements.lock ./
RUN pip install --require-hashes --no-deps -r requirements.lock
COPY shared/ shared/
COPY services/${SERVICE}/ services/${SERVICE}/
RUN pip install --no-deps ./shared "./services/${SERVICE}" \
 && mkdir -p "/out/services/${SERVICE}" \
 && if [ -f "services/${SERVICE}/alembic.ini" ]; then \
      cp -r "services/${SERVICE}/alembic.ini" "services/${SERVICE}/migrations" "/out/services/${SERVICE}/"; \
    fi

FROM python:3.11-slim
ARG SERVICE
ENV SERVICE=${SERVICE} \
    PORT=8000 \
    PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
# A fixed numeric uid so Kubernetes can check runAsNonRoot without a name lookup.
RUN groupadd --system --gid 10001 pmm \
 && useradd --system --uid 10001 --gid pmm --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin pmm \
 && mkdir -p /var/lib/pmm \
 && chown pmm:pmm /var/lib/pmm
COPY --from=build /opt/venv /opt/venv
COPY --from=build /out/ /app/
WORKDIR /app
USER 10001:10001
EXPOSE 8000
# exec: uvicorn becomes PID 1 and receives SIGTERM itself, so the service can drain.
# uvloop and httptools named (not "auto"): an image without them fails at start instead of running slower. One
# worker per container: replicas scale it (deploy/k8s), and the process's metrics stay one registry.
CMD ["sh", "-c", "exec uvicorn \"${SERVICE}.main:create_app\" --factory --host 0.0.0.0 --port \"${PORT}\" --loop uvloop --http httptools"]
