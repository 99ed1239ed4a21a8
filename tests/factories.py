import datetime

import factory

from schools.models import Classroom, Office, School, SchoolYear, User
from students.models import Enrollment, Guardian, Student


class OfficeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Office

    code = factory.Sequence(lambda n: f"PGD{n:03d}")
    name = factory.Sequence(lambda n: f"Phòng GD&ĐT số {n}")
    kind = Office.Kind.DISTRICT


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School

    office = factory.SubFactory(OfficeFactory)
    code = factory.Sequence(lambda n: f"TH{n:04d}")
    name = factory.Sequence(lambda n: f"Trường THCS Số {n}")


class SchoolYearFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SchoolYear

    school = factory.SubFactory(SchoolFactory)
    start_year = 2026
    start_date = datetime.date(2026, 9, 5)
    semester1_end = datetime.date(2027, 1, 16)
    semester2_start = datetime.date(2027, 1, 18)
    end_date = datetime.date(2027, 5, 29)
    enrollment_snapshot_date = datetime.date(2026, 9, 5)
    is_current = True


class ClassroomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Classroom

    school_year = factory.SubFactory(SchoolYearFactory)
    name = factory.Sequence(lambda n: f"9A{n}")
    grade = 9


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"Nguyễn Văn Người{n}")
    password = factory.PostGenerationMethodCall("set_password", "demo1234")

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class StudentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Student

    school = factory.SubFactory(SchoolFactory)
    code = factory.Sequence(lambda n: f"HS{n:05d}")
    family_name = "Nguyễn Thị"
    given_name = factory.Sequence(lambda n: f"Hoa{n}")
    date_of_birth = datetime.date(2012, 3, 4)
    gender = Student.Gender.FEMALE


class GuardianFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Guardian

    student = factory.SubFactory(StudentFactory)
    full_name = "Nguyễn Văn Bố"
    relation = Guardian.Relation.FATHER
    phone = "0912345678"


def enroll(student, classroom, start=None, kind=Enrollment.StartKind.START_OF_YEAR):
    return Enrollment.objects.create(
        student=student,
        classroom=classroom,
        start_date=start or classroom.school_year.start_date,
        start_kind=kind,
    )
