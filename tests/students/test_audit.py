from django.urls import reverse

from students.services import student_save

from ..conftest import login


def test_principal_sees_who_changed_a_student(client, world):
    student = world.s9a1[0]
    login(client, world.gvcn)
    data = {
        "code": student.code,
        "family_name": student.family_name,
        "given_name": student.given_name,
        "date_of_birth": "04/03/2012",
        "gender": "F",
        "ethnicity": "Kinh",
        "hamlet": "Ấp Mới",
        "commune": "",
        "address": "",
        "household": "",
        "orphan": "",
        "distance_km": "",
        "notes": "",
        "g-TOTAL_FORMS": "1",
        "g-INITIAL_FORMS": "1",
        "g-0-id": str(student.guardians.get().pk),
        "g-0-full_name": "Nguyễn Văn Bố",
        "g-0-relation": "father",
        "g-0-phone": "0912345678",
        "g-0-occupation": "",
        "g-MIN_NUM_FORMS": "0",
        "g-MAX_NUM_FORMS": "4",
    }
    response = client.post(reverse("student_edit", args=[student.pk]), data)
    assert response.status_code == 302, response.context["form"].errors
    login(client, world.principal)
    page = client.get(reverse("student_detail", args=[student.pk]))
    trail = page.context["audit"]
    assert trail[0].who == "Phạm Thị Chủ"
    assert ("Thôn/xóm/ấp", "", "Ấp Mới") in trail[0].changes or any(
        new == "Ấp Mới" for _, _, new in trail[0].changes
    )
    assert student.guardians.count() == 1  # the guardian was kept, not silently deleted


def test_only_the_principal_sees_the_trail(client, world):
    student = world.s9a1[0]
    student.notes = "x"
    student_save(student=student)
    for user in (world.vp, world.gvcn, world.clerk):
        login(client, user)
        assert client.get(reverse("student_detail", args=[student.pk])).context["audit"] is None
