"""gunicorn settings for `make run`, the benches and the serving tests (one place).

    gunicorn -c deploy/gunicorn.conf.py --workers 2 --bind 127.0.0.1:8000 'app:create_app()'

gevent workers: an idle or slow client holds a greenlet, not a worker, so a few open
connections cannot take the service offline (tests/test_serving.py, bench/abuse.py). In
production put nginx in front anyway (deploy/nginx.conf): it buffers whole requests and
responses, terminates TLS and limits connections per address.
"""

worker_class = "app.serving.GeventWorker"
# Workers never create a database: `flask init-db` (make run's first step) does. A worker
# restarted after the file was deleted answers 503 instead of serving a new, empty one.
raw_env = ["TANJI_CREATE_DATABASE=false"]
# Concurrent connections per worker (each a greenlet); beyond this, new ones wait in the backlog.
worker_connections = 1000
# A worker that does not check in for this long (a stuck request) is restarted.
timeout = 30
graceful_timeout = 10
# Seconds an idle kept-alive connection stays open, and the most a client may take to send
# the request line and headers of a request on it.
keepalive = 5
# Access log on stdout, without client addresses or household ids (app/serving.py).
accesslog = "-"
logger_class = "app.serving.AccessLog"
access_log_format = '%(t)s "%(r)s" %(s)s %(b)s %(M)sms'
