# Support Desk application image: gunicorn serving Django, static files by whitenoise.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

WORKDIR /app
RUN useradd --system --uid 10001 --home-dir /app supportdesk

COPY requirements.lock ./
RUN pip install -r requirements.lock

COPY . .
# collectstatic needs settings, not a database: any key will do at build time.
RUN SECRET_KEY=build-only DEBUG=false DATABASE_URL=postgres://build@localhost/build \
    python manage.py collectstatic --noinput --verbosity 0 \
    && mkdir -p /app/media /tmp/prometheus \
    && chown -R supportdesk /app/media /tmp/prometheus

USER supportdesk
ENV GUNICORN_BIND=0.0.0.0:8000 \
    PROMETHEUS_MULTIPROC_DIR=/tmp/prometheus \
    LOG_FORMAT=json \
    DEBUG=false
EXPOSE 8000
CMD ["gunicorn", "-c", "gunicorn.conf.py", "supportdesk.wsgi"]
