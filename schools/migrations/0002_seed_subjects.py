"""Seed the THCS subjects of the 2018 programme (REGULATIONS.md §8). Data, not code."""

from django.db import migrations

SUBJECTS = [
    # code, name, short name, assessment, elective
    ("NV", "Ngữ văn", "Văn", "score", False),
    ("TOAN", "Toán", "Toán", "score", False),
    ("NN1", "Ngoại ngữ 1", "Ngoại ngữ", "score", False),
    ("GDCD", "Giáo dục công dân", "GDCD", "score", False),
    ("LSDL", "Lịch sử và Địa lí", "LS&ĐL", "score", False),
    ("KHTN", "Khoa học tự nhiên", "KHTN", "score", False),
    ("CN", "Công nghệ", "Công nghệ", "score", False),
    ("TIN", "Tin học", "Tin học", "score", False),
    ("GDTC", "Giáo dục thể chất", "GDTC", "comment", False),
    ("NT", "Nghệ thuật (Âm nhạc, Mĩ thuật)", "Nghệ thuật", "comment", False),
    ("HDTN", "Hoạt động trải nghiệm, hướng nghiệp", "HĐTN-HN", "comment", False),
    ("GDDP", "Nội dung giáo dục của địa phương", "GDĐP", "comment", False),
    ("TDT", "Tiếng dân tộc thiểu số", "Tiếng DTTS", "score", True),
    ("NN2", "Ngoại ngữ 2", "Ngoại ngữ 2", "score", True),
]


def forward(apps, schema_editor):
    Subject = apps.get_model("schools", "Subject")
    for order, (code, name, short, assessment, elective) in enumerate(SUBJECTS, start=1):
        Subject.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "short_name": short,
                "assessment": assessment,
                "is_elective": elective,
                "order": order,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("schools", "0001_initial")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
