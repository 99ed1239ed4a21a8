.PHONY: run test lint bench demo setup messages

run:            ## set up, migrate SQLite, load the demo district, serve on 127.0.0.1:8000
	scripts/run.sh

test:           ## set up and run everything: lint, checks, PostgreSQL + SQLite, browser journeys
	scripts/test.sh

setup:
	scripts/setup.sh test

lint: setup
	.venv/bin/ruff format --check . && .venv/bin/ruff check .

demo: setup
	DJANGO_DEBUG=1 .venv/bin/python manage.py migrate --noinput && DJANGO_DEBUG=1 .venv/bin/python manage.py seed_demo

messages: setup  ## refresh the Vietnamese catalogue from the sources
	.venv/bin/python manage.py makemessages -l vi --no-obsolete --no-location

bench: setup     ## timings of the main pages on a generated 40-school district
	.venv/bin/python bench/run.py
