"""RendererImage: the renderer's container image, built from functions/ and pushed to ECR.

Declared only when a retailer is fetched by a browser (`fetch: browser` or `auto`), so a stack
without one needs no Docker to deploy. The image is built by pulumi-docker-build (buildx and
BuildKit, the field's Pulumi provider for Docker builds) from renderer/Dockerfile, with
`functions/` as the build context (the same tree the zip functions deploy) and renderer/ as
a named context (its requirements and launcher). Choices:

- `build_on_preview=False`: `pulumi preview` (a pull request's) builds nothing and needs no
  Docker; the image's ref is unknown in the preview, and `pulumi up` builds and pushes it.
- one platform, the functions' architecture (linux/arm64: Playwright publishes Chromium for
  Linux arm64, and the image brings its own userland, so Lambda's own OS does not matter);
- the provider's own (non-exec) build attaches no provenance attestation, so the pushed tag
  is a single image manifest: Lambda refuses an image index;
- the Function runs the pushed digest (`ref`: tag@sha256), so a new build redeploys it and an
  unchanged tree changes nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_aws as aws
import pulumi_docker_build as docker_build

from price_monitor import policies
from price_monitor.packaging import FUNCTIONS_DIR

RENDERER_DIR = Path(__file__).resolve().parent.parent / "renderer"
DOCKERFILE = RENDERER_DIR / "Dockerfile"
PLATFORM = docker_build.Platform.LINUX_ARM64  # compute.ARCHITECTURE's
# The named build context renderer/Dockerfile copies its requirements and launcher from.
RENDERER_CONTEXT = "renderer"
IMAGE_TAG = "renderer"
# The tag moves to each new build; the images before it are kept for a rollback, up to this
# many in all, then expired by the repository's lifecycle policy.
KEEP_IMAGES = 5


@dataclass(frozen=True)
class RendererImageArgs:
    suffix: str
    region: str
    account_id: pulumi.Input[str]
    partition: pulumi.Input[str]
    function_name: str  # the function that may pull the image
    force_delete: bool  # the repository may be deleted with its images (no deletion protection)


class RendererImage(pulumi.ComponentResource):
    """An ECR repository (scanned on push, last images kept) and the image built into it."""

    repository: aws.ecr.Repository
    lifecycle_policy: aws.ecr.LifecyclePolicy
    repository_policy: aws.ecr.RepositoryPolicy
    image: docker_build.Image

    def __init__(
        self, name: str, args: RendererImageArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("price-monitor:index:RendererImage", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.repository = aws.ecr.Repository(
            f"{name}-repository",
            name=f"price-monitor-renderer-{args.suffix}",
            image_tag_mutability="MUTABLE",
            image_scanning_configuration=aws.ecr.RepositoryImageScanningConfigurationArgs(
                scan_on_push=True
            ),
            encryption_configurations=[
                aws.ecr.RepositoryEncryptionConfigurationArgs(encryption_type="AES256")
            ],
            force_delete=args.force_delete,
            opts=child,
        )
        self.lifecycle_policy = aws.ecr.LifecyclePolicy(
            f"{name}-repository-lifecycle",
            repository=self.repository.name,
            policy=json.dumps(lifecycle_rules(KEEP_IMAGES)),
            opts=child,
        )
        self.repository_policy = aws.ecr.RepositoryPolicy(
            f"{name}-repository-policy",
            repository=self.repository.name,
            policy=policies.lambda_pulls_image(
                function_name=args.function_name,
                region=args.region,
                account_id=args.account_id,
                partition=args.partition,
            ),
            opts=child,
        )
        token = aws.ecr.get_authorization_token_output(
            registry_id=self.repository.registry_id, opts=pulumi.InvokeOutputOptions(parent=self)
        )
        self.image = docker_build.Image(
            f"{name}-image",
            context=docker_build.BuildContextArgs(
                location=str(FUNCTIONS_DIR),
                named={RENDERER_CONTEXT: docker_build.ContextArgs(location=str(RENDERER_DIR))},
            ),
            dockerfile=docker_build.DockerfileArgs(location=str(DOCKERFILE)),
            platforms=[PLATFORM],
            push=True,
            build_on_preview=False,
            registries=[
                docker_build.RegistryArgs(
                    address=self.repository.repository_url,
                    username=token.user_name,
                    password=token.password,
                )
            ],
            tags=[pulumi.Output.concat(self.repository.repository_url, ":", IMAGE_TAG)],
            opts=child,
        )
        self.register_outputs(
            {"repository_url": self.repository.repository_url, "image_ref": self.image.ref}
        )

    @property
    def image_uri(self) -> pulumi.Output[str]:
        """The pushed image by digest, as the Function's image_uri."""
        return self.image.ref


def lifecycle_rules(keep: int) -> dict[str, object]:
    """An ECR lifecycle policy that expires all but the `keep` most recent images."""
    return {
        "rules": [
            {
                "rulePriority": 1,
                "description": f"keep the last {keep} renderer images",
                "selection": {
                    "tagStatus": "any",
                    "countType": "imageCountMoreThan",
                    "countNumber": keep,
                },
                "action": {"type": "expire"},
            }
        ]
    }
