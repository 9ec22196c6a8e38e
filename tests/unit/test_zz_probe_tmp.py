import pytest
@pytest.mark.parametrize("i", range(10))
def test_probe(uow, actor, story, i):
    story.order()
