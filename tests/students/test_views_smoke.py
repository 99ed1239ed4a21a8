from django.urls import reverse

from ..conftest import login


def test_gvcn_sees_only_their_class_on_the_student_list(client, world):
    login(client, world.gvcn)
    response = client.get(reverse("student_list"))
    assert response.status_code == 200
    shown = {s.pk for s in response.context["page"]}
    assert shown == {s.pk for s in world.s9a1}


def test_another_schools_student_is_404(client, world):
    login(client, world.principal)
    assert client.get(reverse("student_detail", args=[world.s9b1[0].pk])).status_code == 404
    assert client.get(reverse("classroom_detail", args=[world.c9b1.pk])).status_code == 404


def test_class_list_is_in_vietnamese_order(client, world):
    login(client, world.gvcn)
    response = client.get(reverse("classroom_detail", args=[world.c9a1.pk]))
    names = [span.student.full_name for span in response.context["current"]]
    assert names == ["Lê Văn Anh", "Nguyễn Thị Ánh", "Đặng Thị Ân"]
