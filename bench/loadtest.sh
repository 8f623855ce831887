#!/usr/bin/env bash
# Load test: gunicorn with several workers on 127.0.0.1, wrk with 50 connections for a bounded
# time against the dashboard and a CSV download, as a logged-in staff user.
#   DATABASE_URL=sqlite:////tmp/demo.sqlite3 bash bench/loadtest.sh   (after load_demo)
#   DATABASE_URL=postgres://…/dke_bench CACHE_URL=redis://127.0.0.1:6379/3 LOAD_USER=bench bash bench/loadtest.sh
# LOAD_USER (default medarbejder, a demo user) must exist; LOAD_CREATE_USER=1 creates it as a
# superuser in a benchmark database.
set -euo pipefail
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
cd "$(dirname "$0")/.."
PORT=${PORT:-8099}
WORKERS=${WORKERS:-3}
DURATION=${DURATION:-20s}
export DEBUG=false SECRET_KEY=${SECRET_KEY:-load-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz}
export ALLOWED_HOSTS=127.0.0.1 SECURE_SSL_REDIRECT=false
.venv/bin/python manage.py collectstatic --noinput -v0
SESSION=$(.venv/bin/python manage.py shell -c "
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
import os
name = os.environ.get('LOAD_USER', 'medarbejder')
User = get_user_model()
if os.environ.get('LOAD_CREATE_USER') == '1' and not User.objects.filter(username=name).exists():
    User.objects.create_superuser(name, password=None)
user = User.objects.get(username=name)
s = SessionStore(); s['_auth_user_id'] = str(user.pk)
s['_auth_user_backend'] = 'django.contrib.auth.backends.ModelBackend'
s['_auth_user_hash'] = user.get_session_auth_hash(); s.create(); print(s.session_key)" | tail -1)
.venv/bin/gunicorn dke_dashboard.wsgi -w "$WORKERS" -b "127.0.0.1:$PORT" --timeout 120 --log-level warning &
GUNICORN=$!
trap 'kill $GUNICORN' EXIT
sleep 3
for path in "/kommune/165/" "/kommune/165/figur/reports-per-1000.csv?period_from=2016&period_to=2025"; do
  echo "== $path"
  wrk -t2 -c50 -d"$DURATION" --timeout 60s --latency -H "Cookie: sessionid=$SESSION" \
      -H "X-Forwarded-Proto: https" "http://127.0.0.1:$PORT$path"
done
