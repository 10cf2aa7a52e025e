# The iekg API image. Build context: the repository root.  Used by docker-compose.yml together with
# neo4j:5.26-community; the graph store and its credentials come from the environment (IEKG_*).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    IEKG_HOME=/data/iekg

# A CJK font, so that PNG and SVG charts (iekg chart, /charts/...) draw Chinese text instead of empty boxes:
# iekg/charts/render.py registers /usr/share/fonts/opentype/noto (docs/charts.md, "Fonts").
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY iekg ./iekg
RUN pip install --upgrade pip && pip install . && iekg --help > /dev/null

RUN useradd --create-home --uid 10001 iekg && mkdir -p /data/iekg && chown -R iekg /data/iekg
USER iekg
VOLUME ["/data/iekg"]
EXPOSE 8000

HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=5 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4).status == 200 else 1)"

CMD ["iekg", "serve", "--host", "0.0.0.0", "--port", "8000"]
