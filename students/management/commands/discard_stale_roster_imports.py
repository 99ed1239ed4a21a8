"""Discard roster imports left waiting for confirmation: their rows are children's personal data,
kept only as long as the work needs them (storage limitation, Law 91/2025 and Decree 356/2025)."""

import datetime

from django.core.management.base import BaseCommand
from django.utils import timezone

from students.models import RosterImport


class Command(BaseCommand):
    help = "Discard roster imports still waiting for confirmation after some days (rows deleted)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=7, help="Age in days (default: 7).")
        parser.add_argument("--dry-run", action="store_true", help="Only count, change nothing.")

    def handle(self, *args, days: int, dry_run: bool, **options):
        cutoff = timezone.now() - datetime.timedelta(days=max(days, 0))
        stale = RosterImport.objects.filter(
            status=RosterImport.Status.PENDING, created_at__lt=cutoff
        )
        count = stale.count()
        if not dry_run:
            stale.update(status=RosterImport.Status.DISCARDED, data={}, updated_at=timezone.now())
        verb = "would discard" if dry_run else "discarded"
        self.stdout.write(f"{verb} {count} roster import(s) older than {days} day(s)")
