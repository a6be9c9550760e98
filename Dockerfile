FROM python:3.12-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install --no-cache-dir .
WORKDIR /data
ENV CALAPI_DATABASE_URL=sqlite+aiosqlite:////data/calapi.db
EXPOSE 8000
CMD ["sh", "-c", "calapi migrate && calapi bootstrap && calapi serve --host 0.0.0.0 --port 8000"]
