# calapi in one container, SQLite in the /data volume. It runs in production mode: webhooks may not
# target loopback or private networks, and a random CALAPI_SECRET_KEY of 16+ characters is required:
#   docker build -t calapi .
#   docker run -p 8000:8000 -v calapi-data:/data -e CALAPI_SECRET_KEY="$(openssl rand -hex 32)" calapi
# Behind a reverse proxy, add -e CALAPI_TRUSTED_PROXIES=<its address or network> so that its
# X-Forwarded-For is used for the client's address (it is ignored from anyone else).
FROM python:3.12-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install --no-cache-dir .
ENV CALAPI_ENV=production
WORKDIR /data
ENV CALAPI_DATABASE_URL=sqlite+aiosqlite:////data/calapi.db
EXPOSE 8000
# The secret is checked first so that a start without one says what to pass.
CMD ["sh", "-c", ": \"${CALAPI_SECRET_KEY:?is not set: this image runs in production; start it with -e CALAPI_SECRET_KEY=<a random value of 16+ characters, e.g. from openssl rand -hex 32>}\" && calapi migrate && calapi bootstrap && calapi serve --host 0.0.0.0 --port 8000"]
