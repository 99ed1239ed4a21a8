"""Print the demo accounts created by ``seed_demo``: who to log in as, and what each can do."""

import textwrap
from collections import defaultdict

from django.core.management.base import BaseCommand

from schools.demo import DEMO_LOGINS, DEMO_PASSWORD
from schools.models import Role, User

URL = "http://127.0.0.1:8000"


def role_text(user: User) -> str:
    """What the account is, from its role assignments: 'GVCN lớp 9A1 (Trường THCS Long Phú)'."""
    assignments = list(user.assignments.all())
    roles = {a.role for a in assignments}
    parts = []
    taught = defaultdict(list)
    for a in assignments:
        if a.role == Role.OFFICE:
            parts.append(f"Chuyên viên {a.office.name}")
        elif a.role == Role.PRINCIPAL:
            parts.append("Hiệu trưởng")
        elif a.role == Role.VICE_PRINCIPAL:
            parts.append(f"Phó hiệu trưởng khối {a.grade_blocks.replace(',', ', ')}")
        elif a.role == Role.HOMEROOM:
            parts.append(f"GVCN lớp {a.classroom.name}")
        elif a.role == Role.GROUP_HEAD:
            parts.append(f"Tổ trưởng {a.subject_group.name}")
        elif a.role == Role.CLERK:
            parts.append("Văn thư")
        elif a.role == Role.YOUTH_UNION:
            parts.append("Đoàn – Đội")
        elif a.role == Role.SUBJECT_TEACHER and a.subject_id:
            taught[a.subject.name].append(a.classroom.name)
    if taught and Role.HOMEROOM not in roles:
        subject, classes = max(taught.items(), key=lambda item: len(item[1]))
        parts.append(f"GV {subject} {', '.join(sorted(classes))}")
    text = "; ".join(parts)
    return f"{text} ({user.school.name})" if user.school_id else text


class Command(BaseCommand):
    help = "List the demo accounts (username, password, role, what they can do) and the URL."

    def handle(self, *args, **options) -> None:
        users = {
            u.username: u
            for u in User.objects.filter(username__in=[d.username for d in DEMO_LOGINS])
            .select_related("school")
            .prefetch_related(
                "assignments__office",
                "assignments__classroom",
                "assignments__subject",
                "assignments__subject_group",
            )
        }
        if not users:
            self.stdout.write("No demo accounts yet: run `python manage.py seed_demo` first.")
            return
        rows = [
            (d.username, DEMO_PASSWORD, role_text(users[d.username]), d.can_do)
            for d in DEMO_LOGINS
            if d.username in users
        ]
        headers = ("Tài khoản", "Mật khẩu", "Vai trò", "Có thể làm gì")
        limits = (16, 10, 44, 46)
        widths = [
            min(limit, max(len(h), *(len(r[i]) for r in rows)))
            for i, (h, limit) in enumerate(zip(headers, limits, strict=True))
        ]
        line = "  ".join("─" * w for w in widths)
        self.stdout.write(f"Đồng Hành – tài khoản dùng thử. Mở {URL} và đăng nhập:")
        self.stdout.write("")
        self.stdout.write(
            "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()
        )
        self.stdout.write(line)
        for row in rows:
            cells = [textwrap.wrap(c, w) or [""] for c, w in zip(row, widths, strict=True)]
            for k in range(max(len(c) for c in cells)):
                parts = [
                    (c[k] if k < len(c) else "").ljust(w)
                    for c, w in zip(cells, widths, strict=True)
                ]
                self.stdout.write("  ".join(parts).rstrip())
        self.stdout.write(line)
        self.stdout.write(
            f"Mật khẩu chung: {DEMO_PASSWORD}. Các cán bộ khác: gv.<mã trường>.<số>, "
            "ht.<mã trường>, pht.<mã trường>.<số> … cùng mật khẩu (xem trang Cán bộ)."
        )
        self.stdout.write(f"Địa chỉ: {URL}")
