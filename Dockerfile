# The custgraph API image used by docker-compose.yml.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY custgraph ./custgraph
COPY graph ./graph
COPY loaders ./loaders
COPY api ./api
COPY queries ./queries
COPY resolution ./resolution
COPY samples ./samples
COPY services ./services
RUN pip install --no-cache-dir .
ENV CUSTGRAPH_HOST=0.0.0.0 CUSTGRAPH_PORT=8000
EXPOSE 8000
CMD ["custgraph", "serve"]
