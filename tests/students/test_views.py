import datetime

import pytest
from django.urls import reverse

from students.models import Enrollment, Student

from ..conftest import login


def _student_data(**overrides):
    data = {
        "code": "HS9999",
        "family_name": "Huỳnh Thị",
        "given_name": "Yến",
        "date_of_birth": "12/10/2012",
        "gender": "F",
        "ethnicity": "Kinh",
        "hamlet": "Ấp 3",
        "commune": "Xã Long Phú",
        "address": "",
        "household": "poor",
        "orphan": "",
        "distance_km": "4,5",
        "notes": "",
        "g-TOTAL_FORMS": "1",
        "g-INITIAL_FORMS": "0",
        "g-MIN_NUM_FORMS": "0",
        "g-MAX_NUM_FORMS": "4",
        "g-0-full_name": "Huỳnh Văn Bảy",
        "g-0-relation": "father",
        "g-0-phone": "0987654321",
        "g-0-occupation": "Làm ruộng",
    }
    data.update(overrides)
    return data


@pytest.fixture
def today(monkeypatch):
    day = datetime.date(2026, 11, 23)
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: day)
    return day


def test_clerk_adds_a_student_with_a_guardian(client, world):
    login(client, world.clerk)
    response = client.post(reverse("student_create"), _student_data())
    assert response.status_code == 302
    student = Student.objects.get(code="HS9999")
    assert student.school == world.school_a
    assert student.guardians.get().phone == "0987654321"
    assert str(student.distance_km) == "4.5"


def test_bad_input_keeps_what_was_typed(client, world):
    login(client, world.clerk)
    response = client.post(reverse("student_create"), _student_data(date_of_birth="31/02/2012"))
    assert response.status_code == 200
    assert not Student.objects.filter(code="HS9999").exists()
    html = response.content.decode()
    assert "Huỳnh Văn Bảy" in html and "Ấp 3" in html and "31/02/2012" in html
    assert response.context["form"].errors["date_of_birth"]


def test_duplicate_code_is_refused_with_a_message(client, world):
    login(client, world.clerk)
    existing = world.s9a1[0]
    response = client.post(reverse("student_create"), _student_data(code=existing.code))
    assert response.status_code == 200
    assert response.context["form"].errors
    assert Student.objects.filter(code=existing.code).count() == 1


def test_gvcn_edits_own_student_but_not_another_class(client, world):
    login(client, world.gvcn)
    assert client.get(reverse("student_edit", args=[world.s9a1[0].pk])).status_code == 200
    assert client.get(reverse("student_edit", args=[world.s9a2[0].pk])).status_code == 404
    # Read-only roles see the student but may not change them.
    login(client, world.youth)
    assert client.get(reverse("student_detail", args=[world.s9a1[0].pk])).status_code == 200
    assert client.get(reverse("student_edit", args=[world.s9a1[0].pk])).status_code == 403


def test_subject_teacher_sees_only_the_students_they_teach(client, world):
    login(client, world.teacher)
    assert client.get(reverse("student_detail", args=[world.s8a1[0].pk])).status_code == 200
    assert client.get(reverse("student_detail", args=[world.s9a1[0].pk])).status_code == 404


def test_office_staff_see_no_student_records(client, world):
    login(client, world.office)
    assert client.get(reverse("student_detail", args=[world.s9a1[0].pk])).status_code == 404
    response = client.get(reverse("student_list"))
    assert list(response.context["page"]) == []


def test_circumstances_are_hidden_from_subject_teachers(client, world):
    student = world.s8a1[0]
    student.household = Student.Household.POOR
    student.save()
    login(client, world.teacher)
    response = client.get(reverse("student_detail", args=[student.pk]))
    assert response.context["show_circumstances"] is False
    assert "Hộ nghèo" not in response.content.decode()


def test_search_ignores_diacritics_and_case(client, world):
    login(client, world.principal)
    response = client.get(reverse("student_list"), {"q": "ANH"})
    names = {s.given_name for s in response.context["page"]}
    assert names == {"Ánh", "Anh"}
    response = client.get(reverse("student_list"), {"q": "đặng"})
    assert [s.given_name for s in response.context["page"]] == ["Ân"]


def test_recording_a_dropout_through_the_page(client, world, today):
    login(client, world.principal)
    student = world.s9a1[0]
    url = reverse("movement_create", args=[student.pk])
    response = client.post(url, {"kind": "dropped_out", "date": "10/11/2026", "note": "Đi làm"})
    assert response.status_code == 200  # no cause chosen
    assert response.context["form"].errors
    response = client.post(
        url, {"kind": "dropped_out", "date": "10/11/2026", "causes": ["1c"], "note": "Đi làm"}
    )
    assert response.status_code == 302
    span = Enrollment.objects.get(student=student)
    assert span.end_kind == "dropped_out" and span.end_date == datetime.date(2026, 11, 10)


def test_tampered_class_in_movement_is_refused(client, world, today):
    login(client, world.principal)
    student = world.s9a1[0]
    response = client.post(
        reverse("movement_create", args=[student.pk]),
        {"kind": "move_class", "date": "10/11/2026", "classroom": world.c9b1.pk},
    )
    assert response.status_code == 200
    assert "classroom" in response.context["form"].errors
    assert Enrollment.objects.get(student=student).classroom == world.c9a1


def test_gvcn_cannot_record_movements(client, world):
    login(client, world.gvcn)
    assert client.get(reverse("movement_create", args=[world.s9a1[0].pk])).status_code == 403


def test_class_export_is_a_real_workbook_in_vietnamese_order(client, world):
    from io import BytesIO

    from openpyxl import load_workbook

    login(client, world.gvcn)
    response = client.get(reverse("classroom_export", args=[world.c9a1.pk]))
    assert response.status_code == 200
    ws = load_workbook(BytesIO(response.content)).active
    rows = [r for r in ws.iter_rows(values_only=True) if isinstance(r[0], int)]
    assert [r[3] for r in rows] == ["Anh", "Ánh", "Ân"]
    assert rows[0][4] == datetime.datetime(2012, 3, 4)


def test_office_staff_see_class_figures_without_names(client, world):
    login(client, world.office)
    response = client.get(reverse("classroom_detail", args=[world.c9a1.pk]))
    assert response.status_code == 200
    assert response.context["size"].now == 3
    assert response.context["current"] == []
    assert "Ánh" not in response.content.decode()
