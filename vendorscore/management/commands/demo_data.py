"""``manage.py demo_data``: load the demo data (idempotent) and print the logins."""

from django.core.management.base import BaseCommand

from sla.demo import demo_notifications_send, demo_sla_ensure
from vendorscore import demo
from vendorscore.performance.demo import demo_performance_ensure
from vendorscore.scorecards.demo import demo_scorecards_ensure


class Command(BaseCommand):
    help = "Load demo vendors, users, scorecards, contracts and checked batches; safe to run again."

    def handle(self, *args, **options):
        vendors = demo.demo_vendors_ensure()
        logins = demo.demo_users_ensure()
        evaluations = demo_scorecards_ensure()
        sla = demo_sla_ensure()
        performance = demo_performance_ensure()
        mailed = demo_notifications_send()
        self.stdout.write(
            f"Demo data ready: {len(vendors)} vendors, {evaluations} scorecard evaluations, "
            f"{sla['contracts']} contracts, {sla['batches'] + performance['batches']} new batches checked, "
            f"{performance['scorecards']} performance scorecards, "
            f"{mailed} new e-mails written (var/mail/ unless EMAIL_URL says otherwise)."
        )
        self.stdout.write("Logins (username / password / role):")
        for login in logins:
            suffix = f" of {login.vendor}" if login.vendor else ""
            self.stdout.write(f"  {login.username:<10} {login.password:<20} {login.role}{suffix}")
