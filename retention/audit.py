"""The log of who opened a sensitive record (a case, a minute, a signature, the minutes of a
period, the early-warning list). Ids only: the log holds no names."""

from .models_cases import RecordAccess


def log_access(user, kind: str, *, school_id: int, object_id=None, student_id=None) -> None:
    RecordAccess.objects.create(
        user=user if getattr(user, "is_authenticated", False) else None,
        school_id=school_id,
        kind=kind,
        object_id=object_id,
        student_id_ref=student_id,
    )
