"""HTTP side of the chassis: RFC 9457 problems for every error a service can raise."""

from pmm_chassis.http.problems import (
    PROBLEM_JSON,
    PROBLEM_RESPONSES,
    FieldError,
    HttpProblem,
    Problem,
    Unauthenticated,
    install_problem_handlers,
    problem_response,
)

__all__ = [
    "PROBLEM_JSON",
    "PROBLEM_RESPONSES",
    "FieldError",
    "HttpProblem",
    "Problem",
    "Unauthenticated",
    "install_problem_handlers",
    "problem_response",
]
