# Production image: gunicorn for the web, the same image runs the Celery worker and beat.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production

WORKDIR /app
RUN useradd --create-home --uid 10001 offboarding
COPY pyproject.toml constraints.txt README.md ./
COPY config ./config
COPY core ./core
COPY offboarding ./offboarding
COPY workflows ./workflows
COPY integrations ./integrations
COPY manage.py ./
RUN pip install --no-cache-dir -c constraints.txt . \
    && SECRET_KEY=build CONFIDENTIAL_KEYS=1:build ALLOWED_HOSTS=build \
       python manage.py collectstatic --noinput
USER offboarding
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
